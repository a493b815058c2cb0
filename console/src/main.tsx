import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { createBrowserRouter, RouterProvider } from "react-router";
import { Layout } from "./pages/Layout";
import { SignIn } from "./pages/SignIn";
import { Overview } from "./pages/Overview";
import { Explorer } from "./pages/Explorer";
import { CallDetail } from "./pages/CallDetail";
import { Alerts } from "./pages/Alerts";
import { Usage } from "./pages/Usage";
import { CustomerUsage } from "./pages/CustomerUsage";
import { Admin } from "./pages/Admin";
import { Drift } from "./pages/Drift";
import { applyTheme } from "./theme";
import "./styles.css";

applyTheme();

const router = createBrowserRouter([
  { path: "/signin", element: <SignIn /> },
  {
    path: "/",
    element: <Layout />,
    children: [
      { index: true, element: <Overview /> },
      { path: "calls", element: <Explorer /> },
      { path: "calls/:id", element: <CallDetail /> },
      { path: "alerts", element: <Alerts /> },
      { path: "drift", element: <Drift /> },
      { path: "usage", element: <Usage /> },
      { path: "usage/customers/:id", element: <CustomerUsage /> },
      { path: "admin", element: <Admin /> },
    ],
  },
]);

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <RouterProvider router={router} />
  </StrictMode>,
);
