/**
 * Development sign-in (built without VITE_CLERK_PUBLISHABLE_KEY): POST /api/v1/dev/tokens, then the
 * guest cart is merged into the account's cart and the shopper goes back where they came from.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { api } from "../../api/client";
import { fieldMessages, unwrap } from "../../api/errors";
import { PageHeading } from "../../components/PageHeading";
import { errorText } from "../../components/States";
import { completeSignIn } from "./completeSignIn";
import { safeNext } from "./safeNext";

export default function SignInPage() {
  const [params] = useSearchParams();
  const next = safeNext(params.get("next"));
  const expired = params.get("expired") === "1";
  const navigate = useNavigate();
  const queryClient = useQueryClient();
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
      await completeSignIn(
        { token: issued.token, expiresAt: issued.expires_at, email: email.trim(), name: name.trim() || null },
        queryClient,
      );
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
