// The dApp's entry point (placeholder until the pages land).
const root = document.querySelector<HTMLDivElement>("#app");
if (root) root.textContent = "fairkey";
