/** The frame of every page: header with the cart and sign-in, main, footer; focus on navigation. */
import { useEffect, useRef } from "react";
import { Link, NavLink, Outlet, useLocation, useNavigate, useNavigation, useRouteError } from "react-router";
import { PageHeading } from "../components/PageHeading";
import { useSignOut } from "../features/account/signOut";
import { useCartCount } from "../features/cart/useCart";
import { useShop } from "../features/shop/queries";
import { requestHeadingFocus } from "../lib/focus";
import { useSession, useSignedIn } from "../stores/session";

function CartLink() {
  const count = useCartCount();
  const label = `Cart, ${count} ${count === 1 ? "item" : "items"}`;
  return (
    // The visible "Cart 3" is part of the name "Cart, 3 items" (WCAG 2.5.3, label in name).
    <NavLink to="/cart" className="cart-link" aria-label={label}>
      Cart <span className="badge">{count}</span>
    </NavLink>
  );
}

function Account() {
  const signedIn = useSignedIn();
  const signOut = useSignOut();
  const location = useLocation();
  if (!signedIn) {
    const next = location.pathname === "/sign-in" ? "/" : location.pathname + location.search;
    return (
      <Link to={`/sign-in?next=${encodeURIComponent(next)}`} className="nav-link">
        Sign in
      </Link>
    );
  }
  return (
    <>
      <NavLink to="/orders" className="nav-link">
        Orders
      </NavLink>
      <button type="button" className="link-button" onClick={signOut}>
        Sign out
      </button>
    </>
  );
}

/** After a refused token: to sign-in, coming back here afterwards. The cart stays. */
function useExpiredSignIn() {
  const expired = useSession((s) => s.expired);
  const acknowledge = useSession((s) => s.acknowledgeExpiry);
  const navigate = useNavigate();
  const location = useLocation();
  useEffect(() => {
    if (!expired) return;
    acknowledge();
    if (location.pathname !== "/sign-in") {
      const next = encodeURIComponent(location.pathname + location.search);
      navigate(`/sign-in?expired=1&next=${next}`, { replace: true });
    }
  }, [expired, acknowledge, navigate, location]);
}

function useFocusOnNavigation() {
  const { pathname } = useLocation();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    window.scrollTo(0, 0);
    // Child effects ran first: the new page's heading is on screen when its data was cached;
    // otherwise PageHeading takes the focus when it first renders.
    const heading = document.querySelector<HTMLElement>("main h1");
    if (heading) heading.focus();
    else requestHeadingFocus();
  }, [pathname]);
}

export function Layout() {
  const navigation = useNavigation();
  const shop = useShop();
  useExpiredSignIn();
  useFocusOnNavigation();
  const shopName = shop.data?.name ?? "Bakery";
  useEffect(() => {
    document.title = shopName;
  }, [shopName]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <div className="container header-inner">
          <Link to="/" className="brand">
            {shopName}
          </Link>
          <nav aria-label="Main" className="nav">
            <NavLink to="/products" className="nav-link">
              Products
            </NavLink>
            <Account />
            <CartLink />
          </nav>
        </div>
        {navigation.state === "loading" && <div className="progress" role="progressbar" aria-label="Loading page" />}
      </header>
      <main id="main" className="container">
        <Outlet />
      </main>
      <footer className="site-footer">
        <div className="container">
          {shop.data && (
            <p>
              {shop.data.name}
              {shop.data.address ? ` · ${shop.data.address}` : ""}
              {shop.data.phone ? ` · ${shop.data.phone}` : ""}
            </p>
          )}
        </div>
      </footer>
    </>
  );
}

/** A route that failed to load (a new deployment, the network): say so, offer a reload. */
export function RouteError() {
  const error = useRouteError();
  console.error(error);
  return (
    <main id="main" className="container">
      <PageHeading>Something went wrong</PageHeading>
      <p>This page could not be shown. The connection may have dropped.</p>
      <button type="button" className="button" onClick={() => window.location.reload()}>
        Retry
      </button>
    </main>
  );
}
