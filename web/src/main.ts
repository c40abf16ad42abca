// The dApp's entry point: the layout (top bar, page, footer), the routes, the language.
import "./ui/styles.css";
import { lang, onLangChange, setLang, t } from "./lib/i18n";
import { header } from "./ui/components/header";
import { needsWallet } from "./ui/components/gate";
import { failure } from "./ui/components/loading";
import { h } from "./ui/dom";
import { render, route, start } from "./ui/router";
import { currentWallet, restoreSession } from "./ui/session";
import { loadTokens } from "./ui/tokens";
import { listingsPage } from "./pages/listings";
import { listingPage } from "./pages/listing";
import { ordersPage } from "./pages/orders";
import { orderPage } from "./pages/order";
import { merchantPage, supplierPage } from "./pages/profile";
import { merchantHome } from "./pages/merchant/home";
import { newListingPage } from "./pages/merchant/newListing";
import { stockPage } from "./pages/merchant/stock";
import { arbitratorPage } from "./pages/arbitrator/home";
import { casePage } from "./pages/arbitrator/case";
import { platformPage } from "./pages/platform";

route("/listings", listingsPage);
route("/listings/:id", listingPage);
route("/orders", needsWallet(ordersPage));
route("/orders/:id", orderPage);
route("/merchants/:address", merchantPage);
route("/suppliers/:tag", supplierPage);
route("/merchant", needsWallet(merchantHome));
route("/merchant/listings/new", needsWallet(newListingPage));
route("/merchant/stock", needsWallet(stockPage));
route("/arbitrator", needsWallet(arbitratorPage));
route("/cases/:id", casePage);
route("/platform", platformPage);

setLang(lang()); // sets <html lang> from the browser's language (or the remembered choice)
const app = document.querySelector<HTMLDivElement>("#app")!;
const outlet = h("main", { testid: "page" });
const footer = h("footer", { class: "bottom" });
const drawFooter = () => footer.replaceChildren(t("footer.tagline"));
drawFooter();
app.replaceChildren(header(), outlet, footer);
onLangChange(() => {
  document.title = t("app.title");
  drawFooter();
  void render(); // every visible string comes from t(): redraw the page in the new language
});
document.title = t("app.title");
// Before the first page: token symbols (so prices never flash as addresses) and the wallet used
// last time with its session (so a reload or a link opened later shows the page signed in).
// Neither may hold the page for long.
const RESTORE_WAIT_MS = 2500;
const bounded = (job: Promise<unknown>) => Promise.race([job.catch(() => undefined), new Promise((r) => setTimeout(r, RESTORE_WAIT_MS))]);
const restored = restoreSession();
void Promise.all([bounded(loadTokens()), bounded(restored)]).then(() => start(outlet, failure));
void restored.then(() => {
  // restored after the page was drawn: redraw a page that asked for a wallet or a sign-in
  if (currentWallet() && document.querySelector('[data-testid="wallet-gate"], [data-testid="order-sign-in"]')) void render();
});
