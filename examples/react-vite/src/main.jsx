import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { KeySettings } from "./KeySettings.jsx";

createRoot(document.getElementById("root")).render(
  <StrictMode>
    <main style={{ fontFamily: "system-ui, sans-serif", maxWidth: "40rem", margin: "2rem auto" }}>
      <h1>Bring your own key</h1>
      <KeySettings />
    </main>
  </StrictMode>,
);
