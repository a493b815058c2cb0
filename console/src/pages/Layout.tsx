import { useEffect, useState } from "react";
import { NavLink, Outlet, useLocation, useNavigate } from "react-router";
import { identity, messageOf, whenRefused } from "../api";
import { AccessContext } from "../access";
import { Access, forgetKey, storedKey } from "../session";
import { chooseTheme, currentTheme } from "../theme";

/** The signed-in frame: who is signed in, the pages the key may use, and the page itself. */
export function Layout() {
  const navigate = useNavigate();
  const location = useLocation();
  const [access, setAccess] = useState<Access | null>(null);
  const [error, setError] = useState("");
  const [theme, setTheme] = useState(currentTheme());

  useEffect(() => {
    const from = location.pathname + location.search;
    const signIn = (reason: string) => {
      forgetKey();
      navigate("/signin", { replace: true, state: { reason, from } });
    };
    whenRefused(signIn);
    if (!storedKey()) {
      signIn("");
      return;
    }
    identity
      .whoAmI({})
      .then((key) => setAccess(new Access(key)))
      .catch((e) => setError(messageOf(e)));
    // Asked once per sign-in; later refusals come through whenRefused.
  }, []);

  if (error) return <p role="alert" className="error page">{error}</p>;
  if (!access) return <p className="muted page">Loading…</p>;

  const toggleTheme = () => {
    const next = theme === "dark" ? "light" : "dark";
    chooseTheme(next);
    setTheme(next);
  };
  const signOut = () => {
    forgetKey();
    navigate("/signin", { replace: true });
  };
  const read = access.may("read");
  return (
    <AccessContext.Provider value={access}>
      <header className="top">
        <span className="brand">Tapline</span>
        <nav aria-label="Pages">
          {read && <NavLink to="/" end>Overview</NavLink>}
          {read && <NavLink to="/calls">Calls</NavLink>}
          {read && <NavLink to="/usage">Usage</NavLink>}
          {read && <NavLink to="/alerts">Alerts</NavLink>}
          {read && <NavLink to="/drift">Drift</NavLink>}
          {access.admin && <NavLink to="/admin">Admin</NavLink>}
        </nav>
        <span className="who" aria-label="Signed in as">
          <span>{access.key.name || access.key.keyId}</span>
          <span className="muted">
            {access.key.scopes.join(", ")}
            {access.boundService && ` · ${access.boundService}`}
          </span>
        </span>
        <button type="button" className="plain" onClick={toggleTheme} aria-label={`Switch to ${theme === "dark" ? "light" : "dark"} theme`}>
          {theme === "dark" ? "Light" : "Dark"}
        </button>
        <button type="button" className="plain" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main className="page">
        {read ? <Outlet /> : <p>This key has no read scope: there is nothing for it to see in the console.</p>}
      </main>
    </AccessContext.Provider>
  );
}
