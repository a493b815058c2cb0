import { type FormEvent, useState } from "react";
import { useLocation, useNavigate } from "react-router";
import { createTaplineClients } from "@tapline/client";
import { messageOf, transportFor } from "../api";
import { storeKey } from "../session";

/** Signs in with an API key: checked with WhoAmI before it is kept. */
export function SignIn() {
  const navigate = useNavigate();
  const location = useLocation();
  const state = (location.state ?? {}) as { reason?: string; from?: string };
  const [key, setKey] = useState("");
  const [remember, setRemember] = useState(false);
  const [error, setError] = useState(state.reason ?? "");
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError("");
    try {
      const candidate = key.trim();
      await createTaplineClients(transportFor(window.location.origin, candidate)).identity.whoAmI({});
      storeKey(candidate, remember);
      navigate(state.from && state.from.startsWith("/") ? state.from : "/", { replace: true });
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="signin">
      <form onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">Tapline</h1>
        <p className="muted">Sign in with an API key. It is sent to this server only, as a bearer header.</p>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          required
          value={key}
          onChange={(e) => setKey(e.target.value)}
        />
        <label className="check">
          <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} />
          Remember on this device
        </label>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || key.trim() === ""}>
          Sign in
        </button>
      </form>
    </main>
  );
}
