"""Dashboard catalog forms: products (money, tags, allergens, photos, pickup rules), categories."""

from __future__ import annotations

import re

from flask_admin.form import BaseForm
from wtforms import (
    BooleanField,
    IntegerField,
    MultipleFileField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from bakery.formatting import weekday_name
from bakery.models.catalog import (
    CATEGORY_DESCRIPTION_MAX,
    CATEGORY_NAME_MAX,
    EU_ALLERGENS,
    MAX_DAILY_LIMIT,
    MAX_LEAD_DAYS,
    MAX_POSITION,
    MAX_PRICE_CENTS,
    MAX_STOCK,
    MAX_TAGS,
    NAME_MAX,
    PRODUCT_DESCRIPTION_MAX,
    SLUG_MAX,
)

# "4", "4.5", "4.50" or "4,50"; a sign is read so the catalog service can refuse it by name.
_AMOUNT = re.compile(r"^(-?)(\d{1,9})(?:[.,](\d{1,2}))?$")


def parse_amount(text: str) -> int:
    """'4.50' -> 450 cents, digit by digit: no float ever rounds a price."""
    match = _AMOUNT.match(text.strip())
    if match is None:
        raise ValueError("Enter the price as an amount like 4.50")
    sign, units, fraction = match.groups()
    cents = int(units) * 100 + int((fraction or "0").ljust(2, "0"))
    if cents > MAX_PRICE_CENTS:
        raise ValueError(f"The price can be at most {amount_text(MAX_PRICE_CENTS)}")
    return -cents if sign else cents


def amount_text(cents: int) -> str:
    """450 -> '4.50': the amount as it is typed, without symbol or grouping."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


class MoneyField(StringField):
    """An amount typed as money ('4.50'); `data` holds integer cents."""

    def typed_value(self) -> str:
        """What the input shows: the text sent back after an error, else the amount typed."""
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else amount_text(self.data)

    # WTForms' widgets render a field's value from _value(), the method fields override.
    _value = typed_value

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            return
        # A ValueError from parsing becomes this field's error message.
        self.data = parse_amount(valuelist[0]) if valuelist[0].strip() else None


class TagsField(StringField):
    """Tags typed comma-separated ('vegan, sourdough'); `data` holds the list."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return ", ".join(self.data or [])

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist:
            self.data = [tag.strip() for tag in valuelist[0].split(",") if tag.strip()]

    def pre_validate(self, form) -> None:
        if len(self.data or []) > MAX_TAGS:
            raise ValueError(f"A product can have at most {MAX_TAGS} tags")


def _blank_to_none(value: str | None) -> str | None:
    return (value or "").strip() or None


def _blank_to_zero(value: int | None) -> int:
    return 0 if value is None else value


# The ranges of these fields are the catalog service's to check, so the form and the API give the
# same message; min/max only help the browser's number input.
def _lead_days_field() -> IntegerField:
    return IntegerField(
        "Days of notice",
        default=0,
        filters=[_blank_to_zero],
        validators=[Optional()],
        render_kw={"min": 0, "max": MAX_LEAD_DAYS},
        description="0: can be collected the same day. 2: ordered before the daily cutoff two "
        "days ahead (the cutoff is on the Shop & pickup page).",
    )


def _daily_limit_field() -> IntegerField:
    return IntegerField(
        "Daily limit",
        validators=[Optional()],
        render_kw={"min": 1, "max": MAX_DAILY_LIMIT},
        description="Most units promised for one pickup day; leave empty for no limit.",
    )


def _weekdays_field() -> SelectMultipleField:
    return SelectMultipleField(
        "Can be collected on",
        coerce=int,
        choices=[SelectChoice(day, weekday_name(day)) for day in range(1, 8)],
        default=list(range(1, 8)),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


class ProductForm(BaseForm):
    name = StringField("Name", validators=[InputRequired(), Length(max=NAME_MAX)])
    slug = StringField(
        "Slug",
        filters=[_blank_to_none],
        validators=[Optional(), Length(max=SLUG_MAX)],
        description="Part of the product's web address; made from the name when left empty.",
    )
    category_id = SelectField("Category", coerce=int, validators=[InputRequired()])
    description = TextAreaField("Description", validators=[Length(max=PRODUCT_DESCRIPTION_MAX)])
    price = MoneyField(
        "Price", validators=[InputRequired()], description="For example 4.50", default=None
    )
    stock = IntegerField(
        "Stock",
        validators=[Optional(), NumberRange(max=MAX_STOCK)],
        description="Units left; leave empty when this item is not counted (made to order).",
    )
    is_active = BooleanField("Active", default=True)
    tags = TagsField(
        "Tags", default=list, description="Comma-separated, for example: vegan, sourdough"
    )
    allergens = SelectMultipleField(
        "Allergens",
        choices=[SelectChoice(allergen, allergen.capitalize()) for allergen in EU_ALLERGENS],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    lead_days = _lead_days_field()
    daily_limit = _daily_limit_field()
    available_weekdays = _weekdays_field()
    photos = MultipleFileField(
        "Add photos",
        render_kw={"accept": "image/jpeg,image/png,image/webp,image/gif"},
        description="JPEG, PNG, WebP or GIF; at most 5 MB in one upload.",
    )


class ProductInlineForm(BaseForm):
    """The list page's inline editors: only these columns change there."""

    price = MoneyField("Price", validators=[InputRequired()])
    stock = IntegerField(
        "Stock",
        validators=[Optional(), NumberRange(max=MAX_STOCK)],
        # x-editable would say "Empty", which reads as sold out.
        render_kw={"data-emptytext": "Not counted"},
    )
    is_active = BooleanField("Active")


class CategoryForm(BaseForm):
    name = StringField("Name", validators=[InputRequired(), Length(max=CATEGORY_NAME_MAX)])
    slug = StringField(
        "Slug",
        filters=[_blank_to_none],
        validators=[Optional(), Length(max=SLUG_MAX)],
        description="Part of the category's web address; made from the name when left empty.",
    )
    description = TextAreaField("Description", validators=[Length(max=CATEGORY_DESCRIPTION_MAX)])
    position = IntegerField(
        "Position",
        default=0,
        validators=[InputRequired(), NumberRange(min=0, max=MAX_POSITION)],
        description="Listing order, smallest first.",
    )
    is_active = BooleanField("Active", default=True)
