"""Demo catalog of a European artisan bakery and its opening hours, used by the `seed` command."""

from datetime import time

# Plain data on purpose: the seed command maps it onto the models, and the picture
# generator reads COLOURS, without either dragging in the app or its database.

CATEGORIES: tuple[dict, ...] = (
    {
        "slug": "breads",
        "name": "Breads",
        "description": (
            "Slow-fermented loaves baked every morning in our stone-deck oven. "
            "Sourdough, rye and seeded breads with a proper crust."
        ),
        "position": 1,
    },
    {
        "slug": "viennoiserie",
        "name": "Viennoiserie",
        "description": (
            "Laminated and enriched doughs made with French butter over three days. "
            "Best eaten the morning they are baked."
        ),
        "position": 2,
    },
    {
        "slug": "cakes-tarts",
        "name": "Cakes & Tarts",
        "description": (
            "Slices for the afternoon and whole cakes for the table, built on seasonal fruit "
            "and good chocolate. Whole cakes are baked to order."
        ),
        "position": 3,
    },
    {
        "slug": "cookies-biscuits",
        "name": "Cookies & Biscuits",
        "description": (
            "Chewy cookies, buttery shortbread and delicate macarons. "
            "Small treats that keep well for a few days."
        ),
        "position": 4,
    },
    {
        "slug": "savoury",
        "name": "Savoury Bakes",
        "description": (
            "Quiches, rolls and focaccia for lunch, made with local cheese and vegetables. "
            "Warm them for a few minutes in the oven at home."
        ),
        "position": 5,
    },
    {
        "slug": "seasonal",
        "name": "Seasonal & Festive",
        "description": (
            "Traditional bakes from across Europe that we only make at their time of year. "
            "Order early: quantities are limited."
        ),
        "position": 6,
    },
)

# Tuesday to Saturday 07:00-18:00, Sunday 08:00-12:00, Monday closed: (weekday, opens, closes).
OPENING_HOURS = (
    *((weekday, time(7), time(18)) for weekday in range(2, 7)),
    (7, time(8), time(12)),
)

PRODUCTS: tuple[dict, ...] = (
    # Breads
    {
        "name": "Country Sourdough Loaf",
        "category": "breads",
        "description": (
            "Our everyday loaf: wheat and a little wholemeal flour, water, salt and a "
            "ten-year-old starter, fermented for 36 hours. Open crumb, gentle tang and a "
            "deep, crackling crust."
        ),
        "price_cents": 450,
        "allergens": ["gluten"],
        "tags": ["sourdough", "vegan", "vegetarian", "bestseller"],
        "stock": 24,
        "is_active": True,
    },
    {
        "name": "Dark Rye Bread",
        "category": "breads",
        "description": (
            "A dense, moist Nordic-style loaf of wholegrain rye, cracked rye kernels and "
            "caraway, leavened with rye sourdough. Slice it thin; it keeps for a week."
        ),
        "price_cents": 520,
        "allergens": ["gluten"],
        "tags": ["sourdough", "wholegrain", "vegan", "vegetarian"],
        "stock": 12,
        "is_active": True,
    },
    {
        "name": "Seeded Spelt Loaf",
        "category": "breads",
        "description": (
            "Wholegrain spelt packed with sunflower, pumpkin, linseed and sesame seeds. "
            "Nutty and hearty, and excellent toasted."
        ),
        "price_cents": 550,
        "allergens": ["gluten", "sesame"],
        "tags": ["wholegrain", "vegan", "vegetarian"],
        "stock": 10,
        "is_active": True,
    },
    {
        "name": "Classic Baguette",
        "category": "breads",
        "description": (
            "Flour, water, salt and yeast, given a long cold rise overnight. "
            "A thin, crisp crust and a creamy, airy crumb."
        ),
        "price_cents": 220,
        "allergens": ["gluten"],
        "tags": ["vegan", "vegetarian", "bestseller"],
        "stock": 40,
        "is_active": True,
    },
    {
        "name": "Buckwheat & Teff Loaf",
        "category": "breads",
        "description": (
            "A gluten-free loaf of buckwheat, teff and brown rice flours bound with psyllium "
            "and chia. We bake it to order, first thing in the morning before any wheat "
            "flour comes out, but our kitchen does handle wheat."
        ),
        "price_cents": 690,
        "allergens": [],
        "tags": ["gluten-free", "vegan", "vegetarian", "new"],
        "stock": None,
        "is_active": True,
    },
    # Viennoiserie
    {
        "name": "Butter Croissant",
        "category": "viennoiserie",
        "description": (
            "Laminated by hand with cultured French butter and glazed with egg. "
            "Shatteringly crisp outside, soft honeycomb layers inside."
        ),
        "price_cents": 180,
        "allergens": ["gluten", "milk", "eggs"],
        "tags": ["vegetarian", "sweet", "bestseller"],
        "stock": 36,
        "is_active": True,
    },
    {
        "name": "Pain au Chocolat",
        "category": "viennoiserie",
        "description": (
            "Our croissant dough rolled around two batons of 55% dark chocolate. "
            "The chocolate contains soya lecithin."
        ),
        "price_cents": 210,
        "allergens": ["gluten", "milk", "eggs", "soybeans"],
        "tags": ["vegetarian", "sweet"],
        "stock": 28,
        "is_active": True,
    },
    {
        "name": "Almond Croissant",
        "category": "viennoiserie",
        "description": (
            "Yesterday's croissant soaked in light syrup, filled with almond cream and baked "
            "again under flaked almonds. Rich, and worth it."
        ),
        "price_cents": 290,
        "allergens": ["gluten", "milk", "eggs", "nuts"],
        "tags": ["vegetarian", "sweet"],
        "stock": 4,
        "is_active": True,
    },
    {
        "name": "Cardamom Bun",
        "category": "viennoiserie",
        "description": (
            "A Swedish-style knot of buttery dough, freshly ground cardamom and pearl sugar. "
            "Fragrant, soft and not too sweet."
        ),
        "price_cents": 260,
        "allergens": ["gluten", "milk", "eggs"],
        "tags": ["vegetarian", "sweet", "new"],
        "stock": 18,
        "is_active": True,
    },
    {
        "name": "Brioche Loaf",
        "category": "viennoiserie",
        "description": (
            "A golden, pillowy loaf enriched with eggs and butter. "
            "Ideal for French toast, or simply with jam."
        ),
        "price_cents": 650,
        "allergens": ["gluten", "milk", "eggs"],
        "tags": ["vegetarian", "sweet"],
        "stock": 8,
        "is_active": True,
    },
    {
        "name": "Friday Challah",
        "category": "breads",
        "description": (
            "A six-strand braided loaf, soft and a little sweet, brushed with egg and "
            "scattered with poppy and sesame seeds. Baked on Fridays only."
        ),
        "price_cents": 590,
        "allergens": ["gluten", "eggs", "sesame"],
        "tags": ["vegetarian"],
        "stock": None,
        "is_active": True,
        "available_weekdays": [5],
    },
    # Cakes & tarts
    {
        "name": "Lemon Tart Slice",
        "category": "cakes-tarts",
        "description": (
            "A crisp sweet shortcrust filled with sharp lemon curd made from unwaxed lemons, "
            "eggs and butter. Bright and clean, with a lightly caramelised top."
        ),
        "price_cents": 480,
        "allergens": ["gluten", "milk", "eggs"],
        "tags": ["vegetarian", "sweet"],
        "stock": 14,
        "is_active": True,
    },
    {
        "name": "Flourless Chocolate Cake Slice",
        "category": "cakes-tarts",
        "description": (
            "Dark chocolate, butter, eggs and sugar, nothing else, baked low and slow into "
            "a dense, truffle-like cake. Made without gluten; the chocolate contains soya "
            "lecithin."
        ),
        "price_cents": 520,
        "allergens": ["milk", "eggs", "soybeans"],
        "tags": ["gluten-free", "vegetarian", "sweet"],
        "stock": 10,
        "is_active": True,
    },
    {
        "name": "Carrot & Walnut Cake Slice",
        "category": "cakes-tarts",
        "description": (
            "A moist spiced sponge with grated carrot and toasted walnuts, "
            "topped with a cream cheese frosting."
        ),
        "price_cents": 460,
        "allergens": ["gluten", "milk", "eggs", "nuts"],
        "tags": ["vegetarian", "sweet"],
        "stock": 12,
        "is_active": True,
    },
    {
        "name": "Raspberry Frangipane Tart",
        "category": "cakes-tarts",
        "description": (
            "Buttery pastry, almond frangipane and whole raspberries, baked until the fruit "
            "just bursts. An individual tart for one."
        ),
        "price_cents": 450,
        "allergens": ["gluten", "milk", "eggs", "nuts"],
        "tags": ["vegetarian", "sweet", "bestseller"],
        "stock": 9,
        "is_active": True,
    },
    {
        "name": "Tarte Tatin, Whole (24 cm)",
        "category": "cakes-tarts",
        "description": (
            "Apples caramelised in butter under all-butter puff pastry, turned out warm. "
            "Baked to order for six to eight people; please allow a day's notice."
        ),
        "price_cents": 3200,
        "allergens": ["gluten", "milk"],
        "tags": ["vegetarian", "sweet"],
        "stock": None,
        "is_active": True,
        "lead_days": 1,
    },
    {
        "name": "Celebration Chocolate Cake, Whole (22 cm)",
        "category": "cakes-tarts",
        "description": (
            "Three layers of dark chocolate sponge with ganache and a glossy mirror glaze, "
            "written on as you wish. Baked to order for ten to twelve people: order two days "
            "ahead, before 18:00. We bake four a day."
        ),
        "price_cents": 4800,
        "allergens": ["gluten", "milk", "eggs", "soybeans"],
        "tags": ["vegetarian", "sweet", "celebration"],
        "stock": None,
        "is_active": True,
        "lead_days": 2,
        "daily_limit": 4,
    },
    # Cookies & biscuits
    {
        "name": "Sea-Salt Chocolate Chip Cookie",
        "category": "cookies-biscuits",
        "description": (
            "Brown butter dough with chunks of dark and milk chocolate and a pinch of "
            "sea salt flakes. Crisp edges, chewy middle."
        ),
        "price_cents": 250,
        "allergens": ["gluten", "milk", "eggs", "soybeans"],
        "tags": ["vegetarian", "sweet", "bestseller"],
        "stock": 30,
        "is_active": True,
    },
    {
        "name": "Oat & Date Cookie",
        "category": "cookies-biscuits",
        "description": (
            "Rolled oats, chopped dates, cinnamon and coconut oil: a soft, wholesome cookie "
            "with no butter or eggs. Oats count as a gluten cereal."
        ),
        "price_cents": 230,
        "allergens": ["gluten"],
        "tags": ["vegan", "vegetarian", "wholegrain", "sweet"],
        "stock": 22,
        "is_active": True,
    },
    {
        "name": "Peanut Butter Cookie",
        "category": "cookies-biscuits",
        "description": (
            "Made with roasted peanut butter and a little brown sugar, pressed with a fork "
            "the old-fashioned way. Salty-sweet and crumbly."
        ),
        "price_cents": 240,
        "allergens": ["gluten", "peanuts", "milk", "eggs"],
        "tags": ["vegetarian", "sweet"],
        "stock": 16,
        "is_active": True,
    },
    {
        "name": "Shortbread Fingers (6)",
        "category": "cookies-biscuits",
        "description": (
            "Three ingredients, flour, butter and sugar, baked pale and dusted with sugar. "
            "A bag of six melt-in-the-mouth fingers."
        ),
        "price_cents": 480,
        "allergens": ["gluten", "milk"],
        "tags": ["vegetarian", "sweet"],
        "stock": 15,
        "is_active": True,
    },
    {
        "name": "Macarons, Box of 6",
        "category": "cookies-biscuits",
        "description": (
            "Almond meringue shells with raspberry, pistachio, salted caramel and vanilla "
            "fillings. Naturally made without gluten."
        ),
        "price_cents": 1200,
        "allergens": ["nuts", "eggs", "milk"],
        "tags": ["gluten-free", "vegetarian", "sweet"],
        "stock": 3,
        "is_active": True,
    },
    # Savoury bakes
    {
        "name": "Comté & Caramelised Onion Quiche",
        "category": "savoury",
        "description": (
            "A deep shortcrust case filled with slow-cooked onions, aged Comté and a "
            "silky egg custard. A generous slice for lunch."
        ),
        "price_cents": 520,
        "allergens": ["gluten", "milk", "eggs"],
        "tags": ["vegetarian", "savoury"],
        "stock": 8,
        "is_active": True,
    },
    {
        "name": "Pesto & Mozzarella Twist",
        "category": "savoury",
        "description": (
            "Puff pastry twisted with our basil, walnut and Parmesan pesto and melting "
            "mozzarella. Flaky, herby and best eaten warm."
        ),
        "price_cents": 340,
        "allergens": ["gluten", "milk", "nuts"],
        "tags": ["vegetarian", "savoury"],
        "stock": 14,
        "is_active": True,
    },
    {
        "name": "Sesame Bagel",
        "category": "savoury",
        "description": (
            "Boiled, then baked, for a glossy, chewy crust covered in toasted sesame seeds. "
            "Made without eggs or dairy."
        ),
        "price_cents": 200,
        "allergens": ["gluten", "sesame"],
        "tags": ["vegan", "vegetarian", "savoury"],
        "stock": 26,
        "is_active": True,
    },
    {
        "name": "Pork & Mustard Sausage Roll",
        "category": "savoury",
        "description": (
            "Free-range pork seasoned with sage and wholegrain mustard, wrapped in "
            "all-butter puff pastry and glazed with egg."
        ),
        "price_cents": 380,
        "allergens": ["gluten", "milk", "eggs", "mustard"],
        "tags": ["savoury", "bestseller"],
        "stock": 20,
        "is_active": True,
    },
    {
        "name": "Rosemary & Olive Focaccia",
        "category": "savoury",
        "description": (
            "A high-hydration dough dimpled with olive oil, rosemary, black olives and sea "
            "salt. Crisp underneath and soft inside."
        ),
        "price_cents": 420,
        "allergens": ["gluten"],
        "tags": ["vegan", "vegetarian", "savoury"],
        "stock": 11,
        "is_active": True,
    },
    # Seasonal & festive
    {
        "name": "Christmas Stollen",
        "category": "seasonal",
        "description": (
            "A Dresden-style loaf rich with rum-soaked raisins, candied peel and a seam of "
            "marzipan, finished with melted butter and icing sugar. The dried fruit contains "
            "sulphites."
        ),
        "price_cents": 1450,
        "allergens": ["gluten", "milk", "eggs", "nuts", "sulphites"],
        "tags": ["seasonal", "vegetarian", "sweet"],
        "stock": 2,
        "is_active": True,
    },
    {
        "name": "Panettone",
        "category": "seasonal",
        "description": (
            "Naturally leavened over two days, tall and feather-light, with candied orange "
            "and sultanas. The candied fruit contains sulphites."
        ),
        "price_cents": 2400,
        "allergens": ["gluten", "milk", "eggs", "sulphites"],
        "tags": ["seasonal", "vegetarian", "sweet", "sourdough"],
        "stock": 0,
        "is_active": True,
    },
    {
        "name": "Galette des Rois",
        "category": "seasonal",
        "description": (
            "Puff pastry filled with almond frangipane for Epiphany, with a charm hidden "
            "inside and a paper crown on top. Baked to order for six to eight people."
        ),
        "price_cents": 2600,
        "allergens": ["gluten", "milk", "eggs", "nuts"],
        "tags": ["seasonal", "vegetarian", "sweet"],
        "stock": None,
        "is_active": True,
    },
    {
        "name": "Gingerbread Stars (8)",
        "category": "seasonal",
        "description": (
            "Crisp spiced biscuits with ginger, cinnamon and clove, iced by hand. "
            "A bag of eight, lovely on the tree or with coffee."
        ),
        "price_cents": 550,
        "allergens": ["gluten", "milk", "eggs"],
        "tags": ["seasonal", "vegetarian", "sweet", "new"],
        "stock": 25,
        "is_active": True,
    },
    {
        "name": "Hot Cross Buns (4)",
        "category": "seasonal",
        "description": (
            "Soft spiced buns with currants and orange peel, marked with a flour-paste cross "
            "and glazed. Back for Easter; the dried fruit contains sulphites."
        ),
        "price_cents": 480,
        "allergens": ["gluten", "milk", "eggs", "sulphites"],
        "tags": ["seasonal", "vegetarian", "sweet"],
        "stock": 0,
        "is_active": False,
    },
)

# Per category: (background, accent) in RGB, a warm palette that stays legible behind dark text.
COLOURS: dict[str, tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    "breads": ((243, 228, 201), (168, 106, 52)),
    "viennoiserie": ((252, 236, 198), (206, 136, 42)),
    "cakes-tarts": ((248, 222, 214), (184, 78, 92)),
    "cookies-biscuits": ((240, 226, 206), (122, 80, 48)),
    "savoury": ((230, 233, 206), (108, 124, 60)),
    "seasonal": ((246, 224, 206), (164, 44, 44)),
}
