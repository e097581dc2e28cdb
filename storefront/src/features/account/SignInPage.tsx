/**
 * Development sign-in: POST /api/v1/dev/tokens, then the guest cart is merged into the
 * account's cart and the shopper goes back where they came from.
 * FOLLOW-UP: with VITE_CLERK_PUBLISHABLE_KEY set, load Clerk lazily here instead (not built yet).
 */
import { useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { api } from "../../api/client";
import { fieldMessages, unwrap } from "../../api/errors";
import { PageHeading } from "../../components/PageHeading";
import { errorText } from "../../components/States";
import { cartPayload, useGuestCart } from "../../stores/cart";
import { useSession } from "../../stores/session";
import { serverCartKey } from "../cart/useCart";

/** Only paths of this app: never another site (an open redirect). */
export function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/sign-in") ? next : "/";
}

export default function SignInPage() {
  const [params] = useSearchParams();
  const next = safeNext(params.get("next"));
  const expired = params.get("expired") === "1";
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const signIn = useSession((s) => s.signIn);
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const ids = { email: useId(), name: useId(), error: useId() };
  const fields = fieldMessages(error);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = name.trim() ? { email: email.trim(), name: name.trim() } : { email: email.trim() };
      const issued = unwrap(await api.POST("/api/v1/dev/tokens", { body }));
      // Merge before the app knows it is signed in: its other requests (the header's cart)
      // would otherwise race the merge, and a failed merge would hide the guest cart.
      const lines = useGuestCart.getState().lines;
      const merged =
        lines.length > 0
          ? unwrap(
              await api.POST("/api/v1/cart/merge", {
                body: cartPayload(lines),
                headers: { Authorization: `Bearer ${issued.token}` },
              }),
            )
          : null;
      signIn({ token: issued.token, expiresAt: issued.expires_at, email: email.trim(), name: name.trim() || null });
      if (merged) {
        useGuestCart.getState().clear();
        queryClient.setQueryData(serverCartKey, merged);
      } else {
        await queryClient.invalidateQueries({ queryKey: serverCartKey });
      }
      navigate(next, { replace: true });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="narrow">
      <PageHeading>Sign in</PageHeading>
      {expired && (
        <p className="notice" role="status">
          Your sign-in has expired. Please sign in again; your cart is kept.
        </p>
      )}
      <p className="muted">Development sign-in: any e-mail address signs you in as a customer.</p>
      <form onSubmit={submit} className="form" aria-describedby={error ? ids.error : undefined} noValidate={false}>
        <label htmlFor={ids.email}>E-mail</label>
        <input
          id={ids.email}
          type="email"
          autoComplete="email"
          required
          maxLength={254}
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          aria-invalid={fields.email ? true : undefined}
        />
        {fields.email && <p className="form-error">{fields.email}</p>}
        <label htmlFor={ids.name}>Name</label>
        <input id={ids.name} type="text" autoComplete="name" maxLength={120} value={name} onChange={(e) => setName(e.target.value)} />
        {error !== null && (
          <p id={ids.error} className="form-error" role="alert">
            {errorText(error)}
          </p>
        )}
        <button type="submit" className="button" disabled={busy}>
          Sign in
        </button>
      </form>
    </section>
  );
}
