// End-to-end tests of the Backpack server in a real headless browser.
//
// Starts `backpack serve --demo` on a fresh data folder and port 0, then
// drives Debian's chromium through playwright-core. Covered:
// - accounts: register, log in, add and confirm an e-mail address, switch
//   language, log out, keyboard use (skip link, visible focus, Enter);
// - badges: import a baked PNG made with this binary (key, sign, bake),
//   verified check by check, its image, downloads as JSON and baked PNG;
//   a pasted non-badge refused at its field;
// - external certificates: upload a PDF built here, the details pre-filled
//   from its text (title, platform, date, verification link), correct and
//   save, the first-page preview; a non-PDF refused at its field;
// - notes: Markdown and tags, search by text and tag, attach a file and
//   download it, link the note to a certificate that then lists it;
// - /backpack: timeline and search by words, area, tag, issuer and dates;
//   a bad date is a 422 with the error at its field;
// - collections: create, add an item from its page, remove, rename, delete
//   after the confirmation dialog;
// - portfolio: a work experience citing a certificate as evidence, shown in
//   the CV; a bad month refused at its field; delete;
// - data download (the archive holds an uploaded certificate and its
//   index.json entry) and account deletion;
// - axe-core (WCAG 2.0/2.1/2.2 A and AA rules), zero violations: every page
//   in English and French, anonymous, administrator, and every e-Backpack
//   page of the demo learner with every <details> open, plus forms showing
//   their errors; a self-check that the scan catches a damaged page;
// - XSS: the shared corpus crates/backpack-web/tests/xss-vectors.txt (also
//   read by the Rust test in src/markdown.rs) put into every user-controlled
//   string the e-Backpack shows (each vector alone in a Markdown place and
//   in plain-text places), then every page visited with alert/confirm/prompt
//   trapped, the CSP bypassed (to test the escaping alone) and the DOM
//   checked for handlers, scripts, javascript: links and foreign elements;
//   a self-check that the trap catches an injected handler;
// - issuing (the demo issuer staff): Issuing from the navigation, every
//   issuing page scanned by axe in English and French (switched with the
//   header's language switcher), forms with errors (also forged choices)
//   tying each error to its field, no sideways scrolling; an achievement
//   made by typing, its missing EU elements listed, completed, awarded to
//   the demo learner, revoked with a reason, found by the state filter,
//   and shown revoked in the learner's Portal certificates; the demo claim
//   link (mail folder) opened anonymously, then claimed after registering
//   and logging in through the page's link; learners get no Issuing link
//   and a 404 page; the XSS corpus in issuer, achievement, award and
//   revocation strings, inert on every issuing page, the claim page and
//   the learner's portal pages;
// - automation (the demo issuer staff): API tokens created (shown once,
//   then listed by their last characters) and revoked, xAPI and stacking
//   rules added and deleted with the forms, a statement sent with the
//   token landing in the statements log; each page, with and without form
//   errors, scanned by axe in English and French; the demo learner's
//   progress towards a stacked achievement on the portal page.
//
// Usage: node run.mjs [path/to/backpack]   (default: ../target/debug/backpack)
// E2E_ONLY=words runs only the tests whose name contains them.
// Later issues add their pages and flows to TESTS.

import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const BINARY = process.argv[2] || join(here, "..", "target", "debug", "backpack");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
const PASSWORD = "a long enough password";

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

// ---------------------------------------------------------------- server
async function startServer() {
  const dataDir = mkdtempSync(join(tmpdir(), "bp-e2e-"));
  const child = spawn(BINARY, ["serve", "--demo", "--listen", "127.0.0.1:0", "--data-dir", dataDir], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, BACKPACK_LOG: "warn" },
  });
  let out = "";
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}\n${err}`)), 60000);
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("Press Ctrl-C to stop.")) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.on("exit", (code) => reject(new Error(`server exited (${code}):\n${out}\n${err}`)));
  });
  const url = ready.match(/running at (http:\/\/\S+)/)[1];
  const demo = {};
  for (const m of ready.matchAll(/^\s+(learner|issuer_staff|admin)\s+(\S+)\s+(\S+)$/gm)) {
    demo[m[1]] = { email: m[2], password: m[3] };
  }
  assert(demo.learner && demo.admin, `demo accounts not printed:\n${ready}`);
  return { url, demo, dataDir, child, stderr: () => err };
}

// ---------------------------------------------------------------- helpers
async function axeScan(page, label) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async (tags) => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: "tag", values: tags } });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5),
    }));
  }, AXE_TAGS);
  if (result.length) {
    throw new Error(`axe: ${result.length} violation(s) on ${label}:\n${JSON.stringify(result, null, 2)}`);
  }
  return result;
}

async function login(page, url, email, password) {
  await page.goto(`${url}/login`);
  await page.getByLabel("E-mail address").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(`${url}/`);
}

function mailsTo(dataDir, to) {
  const dir = join(dataDir, "mail");
  return readdirSync(dir)
    .map((f) => join(dir, f))
    .map((p) => ({ text: readFileSync(p, "utf8"), at: statSync(p).mtimeMs }))
    .filter((m) => m.text.includes(`To: ${to}`))
    .sort((a, b) => a.at - b.at)
    .map((m) => {
      const body = m.text.split(/\r?\n\r?\n/).slice(1).join("").replace(/\s/g, "");
      return Buffer.from(body, "base64").toString("utf8");
    });
}

function latestMail(dataDir, to) {
  const mails = mailsTo(dataDir, to);
  assert(mails.length, `no mail to ${to}`);
  return mails[mails.length - 1];
}

// Account mail leaves from the server's outbox shortly after the answer:
// wait (at most 15 s) for the newest mail to `to` that contains `marker`.
async function waitForMail(dataDir, to, marker, since = 0) {
  for (let i = 0; i < 150; i++) {
    const mails = mailsTo(dataDir, to).slice(since).filter((t) => t.includes(marker));
    if (mails.length) return mails[mails.length - 1];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail to ${to} with ${marker} within 15 s`);
}

// Open the confirmation link mailed to `email` and press the button.
async function confirmThroughMail(page, dataDir, email, since = 0) {
  const text = await waitForMail(dataDir, email, "/confirm-email?token=", since);
  const link = text.match(/(http:\/\/\S+\/confirm-email\?token=[\w-]+)/)[1];
  await page.goto(link);
  await page.getByRole("button", { name: "Confirm the address" }).click();
  await page.waitForURL(/done=email_confirmed/);
}

// Register, confirm the address through the mailed link, log in.
async function register(page, url, name, email, dataDir) {
  await page.goto(`${url}/register`);
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("E-mail address").fill(email);
  await page.getByLabel("New password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create my account" }).click();
  await page.waitForURL(/\/login\?done=check_mail$/);
  await confirmThroughMail(page, dataDir, email);
  await login(page, url, email, PASSWORD);
}

// The text of every element matching `selector`, trimmed, with spaces collapsed.
async function texts(page, selector) {
  return (await page.locator(selector).allTextContents()).map((t) => t.replace(/\s+/g, " ").trim());
}

// Click `locator` and return the response to the form it submits (POST).
async function submit(page, locator) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && r.request().resourceType() === "document"),
    locator.click(),
  ]);
  return response;
}

// Wait until the <img> matching `selector` has loaded a real picture.
async function imageLoaded(page, selector) {
  await page.waitForFunction(
    (sel) => {
      const img = document.querySelector(sel);
      return img && img.complete && img.naturalWidth > 0;
    },
    selector,
    { timeout: 15000 },
  );
}

// A minimal valid one-page PDF (catalog, pages, a page with Helvetica, one
// content stream, an xref table with exact byte offsets, trailer, startxref)
// whose text layer holds `lines` ([font size, text]), top to bottom.
function makePdf(lines) {
  const escape = (t) => t.replace(/[\\()]/g, (c) => `\\${c}`);
  let y = 720;
  let content = "";
  for (const [size, text] of lines) {
    content += `BT /F1 ${size} Tf 1 0 0 1 72 ${y} Tm (${escape(text)}) Tj ET\n`;
    y -= Math.round(size * 1.6);
  }
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    `<< /Length ${Buffer.byteLength(content, "latin1")} >>\nstream\n${content}endstream`,
  ];
  let pdf = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";
  const offsets = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(pdf, "latin1"));
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(pdf, "latin1");
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) pdf += `${String(o).padStart(10, "0")} 00000 n \n`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, "latin1");
}

const COURSERA_LINES = [
  [12, "Jan 5, 2024"],
  [24, "Tess Tester"],
  [12, "has successfully completed"],
  [20, "Machine Learning"],
  [10, "an online non-credit course authorized by Stanford University and offered through Coursera"],
  [10, "Verify at coursera.org/verify/ABCD1234EFGH"],
];

// The files of a tar archive (ustar or GNU, with GNU long names), by path.
function untar(buf) {
  const files = new Map();
  let longName = null;
  for (let off = 0; off + 512 <= buf.length; ) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const field = (a, b) => h.subarray(a, b).toString("utf8").replace(/\0[\s\S]*$/, "");
    const size = parseInt(field(124, 136).trim() || "0", 8);
    const type = String.fromCharCode(h[156] || 48);
    let name = field(0, 100);
    if (field(257, 263) === "ustar" && field(345, 500)) name = `${field(345, 500)}/${name}`;
    const body = buf.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === "L") {
      longName = body.toString("utf8").replace(/\0[\s\S]*$/, "");
      continue;
    }
    if (longName) name = longName;
    longName = null;
    if (type === "0" || type === "\0") files.set(name, body);
  }
  return files;
}

// The shared XSS corpus (also read by the Rust test in
// crates/backpack-web/src/markdown.rs): one vector a line, a newline inside
// a vector written as the two characters \n.
function readVectors() {
  return readFileSync(join(here, "..", "crates", "backpack-web", "tests", "xss-vectors.txt"), "utf8")
    .split(/\r?\n/)
    .filter((l) => l !== "")
    .map((l) => l.replaceAll("\\n", "\n"));
}

// In-page form posts (same origin, the page's CSRF token, the session
// cookie), for setting up many items quickly. `fields` is a list of
// [name, value]; a value {filename, type, base64} is a file (multipart).
async function post(page, action, fields, multipart = false) {
  const result = await page.evaluate(
    async ({ action, fields, multipart }) => {
      const csrf = document.querySelector("input[name=_csrf]").value;
      let body;
      if (multipart) {
        // The token first, as the page's forms send it (the server reads it
        // before any file).
        body = new FormData();
        body.append("_csrf", csrf);
        for (const [k, v] of fields) {
          if (v && typeof v === "object") {
            const bytes = Uint8Array.from(atob(v.base64), (c) => c.charCodeAt(0));
            body.append(k, new File([bytes], v.filename, { type: v.type }));
          } else {
            body.append(k, v);
          }
        }
      } else {
        body = new URLSearchParams([["_csrf", csrf], ...fields]);
      }
      const r = await fetch(action, { method: "POST", body });
      return { status: r.status, url: r.url, text: r.ok ? "" : (await r.text()).slice(0, 2000) };
    },
    { action, fields, multipart },
  );
  assert(result.status === 200, `POST ${action}: ${result.status}\n${result.text}`);
  return new URL(result.url).pathname;
}

// A browser context for the XSS checks. The page's CSP would stop inline
// handlers anyway: it is bypassed, so that the checks test the escaping
// alone; alert/confirm/prompt/print are trapped. `inert(label)` hovers and
// focuses everything, then fails when anything ran or the DOM holds a
// handler, a script, a foreign element, an <img> whose src does not match
// `imgSrc`, or a link that is not http(s) or mailto.
async function xssContext(browser, imgSrc) {
  const ctx = await browser.newContext({ bypassCSP: true });
  const page = await ctx.newPage();
  const dialogs = [];
  page.on("dialog", (d) => {
    dialogs.push(`${d.type()}:${d.message()}`);
    d.dismiss().catch(() => {});
  });
  await page.addInitScript(() => {
    window.__xss = [];
    for (const f of ["alert", "confirm", "prompt", "print"]) {
      window[f] = (...a) => {
        window.__xss.push(`${f}:${a.join(",")}`);
      };
    }
  });
  const inert = async (label) => {
    // Give handlers their chance: hover and focus everything, then wait.
    await page.evaluate(() => {
      for (const el of document.querySelectorAll("body *")) {
        for (const type of ["mouseover", "mouseenter", "mousemove", "pointerover"]) {
          el.dispatchEvent(new MouseEvent(type, { bubbles: true, cancelable: true }));
        }
        for (const type of ["focus", "focusin", "animationstart", "toggle", "load", "error"]) {
          el.dispatchEvent(new Event(type, { bubbles: false }));
        }
      }
    });
    await page.waitForTimeout(150);
    const found = await page.evaluate((imgSrc) => {
      const bad = [...window.__xss];
      const main = document.querySelector("main");
      for (const el of main.querySelectorAll("*")) {
        for (const a of el.attributes) {
          if (/^on/i.test(a.name)) bad.push(`${el.tagName.toLowerCase()}[${a.name}]`);
          if (/^(style|srcdoc|formaction|background|poster|xlink:href|autofocus)$/i.test(a.name)) bad.push(`${el.tagName.toLowerCase()}[${a.name}]`);
        }
      }
      for (const el of main.querySelectorAll("script, iframe, frame, frameset, object, embed, applet, base, meta, link, style, svg, math, video, audio, source, marquee, isindex, body, head, html")) {
        bad.push(`<${el.tagName.toLowerCase()}> in main`);
      }
      for (const img of main.querySelectorAll("img")) {
        if (!new RegExp(imgSrc).test(img.getAttribute("src") || "")) bad.push(`img src=${img.getAttribute("src")}`);
      }
      for (const a of document.querySelectorAll("a[href], area[href]")) {
        if (!["http:", "https:", "mailto:"].includes(new URL(a.href, location.href).protocol)) bad.push(`a href=${a.getAttribute("href")}`);
      }
      for (const f of document.querySelectorAll("form")) {
        if (!/^\/[^/]/.test(f.getAttribute("action") || "")) bad.push(`form action=${f.getAttribute("action")}`);
      }
      for (const s of document.scripts) {
        if (!s.src.endsWith("/static/app.js") || s.textContent.trim()) bad.push(`script ${s.src || s.textContent.slice(0, 50)}`);
      }
      for (const el of document.querySelectorAll("style, base, meta[http-equiv], link:not([rel=stylesheet][href='/static/app.css']), iframe, object, embed")) {
        bad.push(`<${el.tagName.toLowerCase()}> in the document`);
      }
      return bad;
    }, imgSrc.source);
    assert(dialogs.length === 0 && found.length === 0, `XSS on ${label}: ${JSON.stringify([...dialogs, ...found])}`);
  };
  return { ctx, page, inert };
}

// ---------------------------------------------------------------- tests
const TESTS = [
  [
    "a visitor registers, confirms through the mailed link, logs in, adds an address, confirms it, switches to French and logs out",
    async ({ browser, server }) => {
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      await page.goto(`${server.url}/register`);
      await page.getByLabel("Name").fill("Grace Hopper");
      await page.getByLabel("E-mail address").fill("grace@example.org");
      await page.getByLabel("New password").fill(PASSWORD);
      await page.getByRole("button", { name: "Create my account" }).click();
      await page.waitForURL(/\/login\?done=check_mail$/);
      assert((await page.getByRole("status").textContent()).includes("Check your mail"), "check your mail");
      // Not confirmed yet: the login says so and offers the link again.
      await page.getByLabel("E-mail address").fill("grace@example.org");
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Log in" }).click();
      await page.waitForSelector("#form-error");
      assert((await page.getByRole("alert").textContent()).includes("not confirmed yet"), "unconfirmed");
      assert(await page.getByRole("button", { name: "Send the confirmation link again" }).isVisible(), "resend offered");
      await confirmThroughMail(page, server.dataDir, "grace@example.org");
      await login(page, server.url, "grace@example.org", PASSWORD);
      assert((await page.textContent("h1")) === "Your e-Backpack", "home after logging in");
      assert((await page.textContent("main")).includes("Welcome, Grace Hopper."), "welcome message");
      const cookies = await ctx.cookies();
      const session = cookies.find((c) => c.name === "__Host-session");
      assert(session && session.httpOnly && session.secure && session.sameSite === "Lax", "a secure session cookie");

      await page.getByRole("link", { name: "My account" }).click();
      await page.getByLabel("Add an e-mail address").fill("grace@navy.example");
      await page.getByRole("button", { name: "Add the address" }).click();
      await page.waitForURL(/done=email_added/);
      assert((await page.getByRole("status").textContent()).includes("The address is added."), "notice shown");
      const row = page.getByRole("row", { name: /grace@navy\.example/ });
      assert((await row.textContent()).includes("Waiting for confirmation"), "pending");

      const text = await waitForMail(server.dataDir, "grace@navy.example", "/confirm-email?token=");
      const link = text.match(/(http:\/\/\S+\/confirm-email\?token=[\w-]+)/)[1];
      await page.goto(link);
      await page.getByRole("button", { name: "Confirm the address" }).click();
      await page.waitForURL(/done=email_confirmed/);
      assert((await page.getByRole("row", { name: /grace@navy\.example/ }).textContent()).includes("Confirmed"), "confirmed");

      await page.getByLabel("Language", { exact: true }).selectOption("fr");
      await page.getByRole("button", { name: "Apply" }).click();
      await page.waitForFunction(() => document.documentElement.lang === "fr");
      assert((await page.textContent("h1")) === "Mon compte", "French account page");
      await page.getByRole("button", { name: "Se déconnecter" }).click();
      await page.waitForURL(/\/login\?done=logged_out$/);
      assert((await page.textContent("main")).includes("Vous êtes déconnecté."), "logged out, in French");
      await page.goto(`${server.url}/account`);
      await page.waitForURL(/\/login\?next=\/account$/);
      await ctx.close();
    },
  ],
  [
    "a demo learner logs in with the printed password; learners get no admin page",
    async ({ browser, server }) => {
      const ctx = await browser.newContext({ locale: "en-GB" });
      const page = await ctx.newPage();
      await login(page, server.url, server.demo.learner.email, server.demo.learner.password);
      assert((await page.textContent("main")).includes("Welcome, Lea Learner."), "demo learner");
      await page.goto(`${server.url}/admin/users`);
      assert((await page.textContent("h1")) === "Something went wrong", "learners get no admin page");
      await ctx.close();
    },
  ],
  [
    "a wrong password shows one error for the whole form, announced as an alert",
    async ({ browser, server }) => {
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      await page.goto(`${server.url}/login`);
      await page.getByLabel("E-mail address").fill("nobody@example.org");
      await page.getByLabel("Password").fill("wrong password");
      await page.getByRole("button", { name: "Log in" }).click();
      await page.waitForSelector("#form-error");
      assert((await page.getByRole("alert").textContent()).includes("is not correct"), "error shown as an alert");
      await ctx.close();
    },
  ],
  [
    "everything is keyboard operable: skip link first, visible focus, forms submit with Enter",
    async ({ browser, server }) => {
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      await page.goto(`${server.url}/login`);
      await page.keyboard.press("Tab");
      const first = await page.evaluate(() => document.activeElement.textContent.trim());
      assert(first === "Skip to main content", `first Tab stop is the skip link, got ${first}`);
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
      assert(outline !== "none", "focus is visible");
      await page.keyboard.press("Enter");
      const focused = await page.evaluate(() => document.activeElement.id);
      assert(focused === "main", `the skip link moves focus to main, got ${focused}`);
      // Log in with the keyboard only.
      await page.focus("#f-email");
      await page.keyboard.type(server.demo.admin.email);
      await page.keyboard.press("Tab");
      await page.keyboard.type(server.demo.admin.password);
      await page.keyboard.press("Enter");
      await page.waitForURL(`${server.url}/`);
      assert((await page.textContent("main")).includes("Welcome, Ada Admin."), "logged in by keyboard");
      await ctx.close();
    },
  ],
  [
    "axe-core finds no WCAG 2.2 AA violation on any page, in English and French, with and without errors",
    async ({ browser, server }) => {
      const scanned = [];
      for (const locale of ["en-US", "fr-FR"]) {
        const ctx = await browser.newContext({ locale });
        const page = await ctx.newPage();
        const anonymous = ["/", "/login", "/register", "/forgot-password", "/reset-password?token=x", "/confirm-email?token=x", "/no-such-page"];
        for (const path of anonymous) {
          await page.goto(`${server.url}${path}`);
          await axeScan(page, `${path} (${locale}, anonymous)`);
          scanned.push(path);
        }
        // Forms showing their errors.
        await page.goto(`${server.url}/register`);
        await page.locator("form.stack button[type=submit]").click();
        await page.waitForSelector(".error");
        await axeScan(page, `/register with errors (${locale})`);
        await page.goto(`${server.url}/login`);
        await page.locator("#f-email").fill("x@example.org");
        await page.locator("#f-password").fill("nope nope nope");
        await page.locator("form.stack button[type=submit]").click();
        await page.waitForSelector("#form-error");
        await axeScan(page, `/login with an error (${locale})`);
        // Signed in as the administrator: every page.
        await page.goto(`${server.url}/login`);
        await page.locator("#f-email").fill(server.demo.admin.email);
        await page.locator("#f-password").fill(server.demo.admin.password);
        await page.locator("form.stack button[type=submit]").click();
        await page.waitForURL(`${server.url}/`);
        for (const path of ["/", "/account", "/admin/jobs", "/admin/users"]) {
          await page.goto(`${server.url}${path}`);
          await axeScan(page, `${path} (${locale}, admin)`);
        }
        const href = await page.locator("td a[href^='/admin/users/']").first().getAttribute("href");
        await page.goto(`${server.url}${href}`);
        await axeScan(page, `/admin/users/{id} (${locale})`);
        // The account page with a pending DID and a field error.
        await page.goto(`${server.url}/account`);
        await page.locator("#f-did").fill(`did:web:${locale.toLowerCase()}.example`);
        await page.locator("#f-did").press("Enter");
        await page.waitForURL(/done=did_added/);
        await axeScan(page, `/account with a pending DID (${locale})`);
        await page.locator("#f-email").fill("not an address");
        await page.locator("#f-email").press("Enter");
        await page.waitForSelector("#f-email-error");
        await axeScan(page, `/account with an error (${locale})`);
        await ctx.close();
      }
      return scanned;
    },
  ],
];

TESTS.push([
  "a learner imports a baked PNG badge, sees it verified check by check with its image, downloads it as JSON and as a baked PNG; the pages pass axe",
  async ({ browser, server }) => {
    // A real baked badge, made with this binary: key, sample, sign, bake.
    const dir = mkdtempSync(join(tmpdir(), "bp-e2e-badge-"));
    execFileSync(BINARY, ["key", "generate", "--out", join(dir, "key.json")]);
    const unsigned = execFileSync(BINARY, ["example", "-n", "1"]);
    const signed = execFileSync(BINARY, ["sign", "--key", join(dir, "key.json"), "-"], { input: unsigned });
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(dir, "signed.json"), signed);
    execFileSync(BINARY, ["bake", "--image", join(here, "..", "assets", "badge.png"), "--credential", join(dir, "signed.json"), "-o", join(dir, "baked.png")]);

    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await login(page, server.url, server.demo.learner.email, server.demo.learner.password);
    await page.getByRole("link", { name: "My badges" }).click();
    await axeScan(page, "/backpack/badges");
    await page.getByLabel("Badge file").setInputFiles(join(dir, "baked.png"));
    await page.getByRole("button", { name: "Import and verify" }).click();
    await page.waitForURL(/done=badge_imported/);
    assert((await page.getByRole("status").first().textContent()).includes("imported"), "notice");
    assert((await page.textContent(".verdict-box")).includes("Verified"), "verified verdict");
    const rows = await page.getByRole("row").allTextContents();
    assert(rows.some((r) => r.includes("Signature") && r.includes("Passed")), `signature row: ${rows}`);
    await imageLoaded(page, "figure.badge-image img");
    const name = await page.textContent("h1");
    assert((await page.getAttribute("figure.badge-image img", "alt")) === `Image of the badge ${name}`, "image alternative text");
    await axeScan(page, "/backpack/badges/{id}");
    const credentialId = JSON.parse(signed.toString()).id;
    const [json] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download as JSON" }).click()]);
    assert(json.suggestedFilename().endsWith(".json"), json.suggestedFilename());
    const downloaded = JSON.parse(readFileSync(await json.path(), "utf8"));
    assert(downloaded.id === credentialId && downloaded.proof, "the JSON download is the signed credential");
    const [png] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download as image (PNG with the credential inside)" }).click(),
    ]);
    assert(png.suggestedFilename().endsWith(".png"), png.suggestedFilename());
    const unbaked = JSON.parse(execFileSync(BINARY, ["unbake", await png.path()]).toString());
    assert(unbaked.id === credentialId, "the PNG download carries the credential");
    await page.getByRole("link", { name: "Back to my badges" }).click();
    const listed = await texts(page, "tbody tr");
    assert(listed.some((r) => r.includes(name) && r.includes("Verified")), `list shows the verdict: ${listed}`);
    // A pasted non-badge is refused with a message tied to the field.
    await page.goto(`${server.url}/backpack/badges`);
    await page.getByLabel("Or paste the badge (JSON or JWT)").fill("{ this is not json");
    await page.getByRole("button", { name: "Import and verify" }).click();
    await page.waitForSelector("#f-file-error");
    await axeScan(page, "/backpack/badges with an error");
    rmSync(dir, { recursive: true, force: true });
    await ctx.close();
  },
]);

TESTS.push([
  "a learner writes a note with tags, finds it by search and by tag; the notes pages pass axe",
  async ({ browser, server }) => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await login(page, server.url, server.demo.issuer_staff.email, server.demo.issuer_staff.password);
    await page.getByRole("link", { name: "My notes" }).click();
    await axeScan(page, "/backpack/notes (empty)");
    await page.getByRole("link", { name: "Write a note" }).click();
    await axeScan(page, "/backpack/notes/new");
    await page.getByLabel("Title").fill("Course plan");
    await page.getByLabel("Text", { exact: true }).fill("Week 1: **Open Badges**\n\n<script>alert(1)</script>");
    await page.getByLabel("Tags").fill("Planning, badges");
    await page.getByRole("button", { name: "Save" }).click();
    await page.waitForURL(/done=note_saved/);
    assert((await page.innerHTML("div.markdown")).includes("<strong>Open Badges</strong>"), "markdown rendered");
    assert((await page.textContent("div.markdown")).includes("<script>alert(1)</script>"), "HTML shown as text");
    await axeScan(page, "/backpack/notes/{id}");
    await page.goto(`${server.url}/backpack/notes`);
    await page.getByLabel("Search the notes").fill("open badges");
    await page.getByRole("button", { name: "Search" }).click();
    await page.waitForURL(/q=open/);
    assert((await page.textContent("main")).includes("One note"), "found by text");
    await page.getByRole("link", { name: "planning" }).first().click();
    await page.waitForURL(/tag=planning/);
    assert((await page.textContent("main")).includes("Course plan"), "found by tag");
    await axeScan(page, "/backpack/notes?tag=planning");
    await page.goto(`${server.url}/backpack/notes/new`);
    await page.getByRole("button", { name: "Save" }).click();
    await page.waitForSelector("#f-title-error");
    await axeScan(page, "/backpack/notes/new with an error");
    await ctx.close();
  },
]);

TESTS.push([
  "a learner uploads a Coursera PDF, finds the details pre-filled, corrects the title, sees the preview; a non-PDF is refused at its field",
  async ({ browser, server }) => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await register(page, server.url, "Tess Tester", "tess.tester@example.org", server.dataDir);
    await page.goto(`${server.url}/backpack`);
    await page.getByRole("link", { name: "External certificates" }).click();
    await page.waitForURL(/\/backpack\/certificates$/);
    assert((await page.textContent("main")).includes("You have not added any certificate yet."), "empty list");
    await axeScan(page, "/backpack/certificates (empty)");

    const pdf = makePdf(COURSERA_LINES);
    await page.getByLabel("Certificate file").setInputFiles({ name: "coursera-ml.pdf", mimeType: "application/pdf", buffer: pdf });
    await page.getByRole("button", { name: "Upload" }).click();
    await page.waitForURL(/\/backpack\/certificates\/[0-9a-f-]{36}\/edit\?done=certificate_uploaded$/);
    const id = page.url().match(/certificates\/([0-9a-f-]{36})\//)[1];
    assert((await page.getByRole("status").textContent()).includes("Check the details"), "upload notice");
    const title = page.getByLabel("Title", { exact: true });
    assert((await title.inputValue()) === "Machine Learning", `title pre-filled: ${await title.inputValue()}`);
    assert((await page.getByLabel("Platform").inputValue()) === "coursera", "platform value");
    assert((await page.locator("#f-platform option:checked").textContent()) === "Coursera", "Coursera selected");
    const date = await page.getByLabel("Date", { exact: true }).inputValue();
    assert(date === "2024-01-05", `date pre-filled: ${date}`);
    const link = await page.getByLabel("Verification link").inputValue();
    assert(/^https:\/\/(www\.)?coursera\.org\/verify\/ABCD1234EFGH$/.test(link), `verification link pre-filled: ${link}`);
    await imageLoaded(page, "figure.preview img");
    await axeScan(page, "/backpack/certificates/{id}/edit (pre-filled)");

    await title.fill("Machine Learning (Stanford)");
    await page.getByLabel("Skills and tags").fill("Machine learning, Python");
    await page.getByLabel("Description").fill("Supervised learning, **neural networks**.");
    await page.getByRole("button", { name: "Save" }).click();
    await page.waitForURL(`${server.url}/backpack/certificates/${id}?done=certificate_saved`);
    assert((await page.textContent("h1")) === "Machine Learning (Stanford)", "corrected title shown");
    const facts = (await page.textContent("dl.facts")).replace(/\s+/g, " ");
    for (const want of ["Coursera", "2024-01-05", "coursera.org/verify/ABCD1234EFGH", "machine learning", "python", "coursera-ml.pdf"]) {
      assert(facts.includes(want), `detail page shows ${want}: ${facts}`);
    }
    assert((await page.innerHTML("dd.markdown")).includes("<strong>neural networks</strong>"), "description as Markdown");
    await imageLoaded(page, "figure.preview img");
    const alt = await page.getAttribute("figure.preview img", "alt");
    assert(alt === "Preview of Machine Learning (Stanford)", `preview alt: ${alt}`);
    await axeScan(page, "/backpack/certificates/{id}");

    await page.getByRole("link", { name: "Back to my external certificates" }).click();
    const rows = await texts(page, "tbody tr");
    assert(rows.length === 1 && rows[0].includes("Machine Learning (Stanford)") && rows[0].includes("2024-01-05"), `list: ${rows}`);
    await axeScan(page, "/backpack/certificates (one certificate)");

    // A text file dressed as a PDF is refused, the message tied to the field.
    await page.getByLabel("Certificate file").setInputFiles({ name: "x.pdf", mimeType: "application/pdf", buffer: Buffer.from("Not a PDF, just text.\n") });
    const refused = await submit(page, page.getByRole("button", { name: "Upload" }));
    assert(refused.status() >= 400 && refused.status() < 500, `refused with a 4xx: ${refused.status()}`);
    assert(!page.url().includes("_csrf"), `the CSRF token stays out of the address bar: ${page.url()}`);
    const field = page.locator("#f-file");
    assert((await field.getAttribute("aria-invalid")) === "true", "file field aria-invalid");
    assert((await field.getAttribute("aria-describedby")).split(" ").includes("f-file-error"), "error described");
    const message = await page.textContent("#f-file-error");
    assert(message.includes("not accepted") || message.includes("could not be read"), `error message: ${message}`);
    assert((await page.getByRole("alert").locator("a[href='#f-file']").count()) === 1, "summary links to the field");
    assert((await page.locator("tbody tr").count()) === 1, "nothing added");
    await axeScan(page, "/backpack/certificates with a refused file");
    await ctx.close();
  },
]);

TESTS.push([
  "a learner writes a note, attaches a file and downloads it, links the note to a certificate, and the certificate lists the note",
  async ({ browser, server }) => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await register(page, server.url, "Nora Notes", "nora@example.org", server.dataDir);
    await page.goto(`${server.url}/backpack/certificates`);
    await page.getByLabel("Certificate file").setInputFiles({
      name: "cs50.pdf",
      mimeType: "application/pdf",
      buffer: makePdf([[20, "CS50x: Introduction to Computer Science"], [10, "HarvardX through edX"]]),
    });
    await page.getByLabel("Title", { exact: true }).fill("CS50x");
    await page.getByRole("button", { name: "Upload" }).click();
    await page.waitForURL(/\/edit\?done=certificate_uploaded$/);
    const certPath = new URL(page.url()).pathname.replace(/\/edit$/, "");
    await page.goto(`${server.url}${certPath}`);
    assert((await page.getByRole("heading", { name: "Notes about this item" }).count()) === 0, "no note about it yet");

    await page.getByRole("link", { name: "My notes" }).click();
    await page.getByRole("link", { name: "Write a note" }).click();
    await page.getByLabel("Title").fill("Study log");
    await page.getByLabel("Text", { exact: true }).fill("Week 1: *C* and memory.");
    await page.getByLabel("Tags").fill("cs50");
    await page.getByRole("button", { name: "Save" }).click();
    await page.waitForURL(/\/backpack\/notes\/[0-9a-f-]{36}\?done=note_saved$/);
    const notePath = new URL(page.url()).pathname;
    assert((await page.textContent("main")).includes("No file attached."), "no file yet");
    assert((await page.textContent("main")).includes("This note is not linked to any credential."), "no link yet");

    // A file with nothing chosen: an error at the field.
    const empty = await submit(page, page.getByRole("button", { name: "Attach", exact: true }));
    assert(empty.status() === 422, `empty attachment refused: ${empty.status()}`);
    assert((await page.getAttribute("#f-file", "aria-invalid")) === "true", "attach field invalid");
    assert((await page.textContent("#f-file-error")).includes("Choose a file."), "attach error");
    await axeScan(page, "/backpack/notes/{id} with an attachment error");

    const content = "Pattern Recognition and Machine Learning\nThe C Programming Language\n";
    await page.getByLabel("Attach a file").setInputFiles({ name: "reading-list.txt", mimeType: "text/plain", buffer: Buffer.from(content) });
    await page.getByRole("button", { name: "Attach", exact: true }).click();
    await page.waitForURL(`${server.url}${notePath}?done=note_file_added`);
    const files = page.locator("section[aria-labelledby=files-h]");
    assert((await files.textContent()).includes("reading-list.txt"), "file listed");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      files.getByRole("link", { name: "reading-list.txt" }).click(),
    ]);
    assert(download.suggestedFilename() === "reading-list.txt", `download name: ${download.suggestedFilename()}`);
    assert(readFileSync(await download.path(), "utf8") === content, "downloaded bytes are the attached ones");

    await page.getByText("Choose the credentials").click();
    await page.getByRole("checkbox", { name: /^CS50x/ }).check();
    await page.getByRole("button", { name: "Save the links" }).click();
    await page.waitForURL(`${server.url}${notePath}?done=note_links_saved`);
    const links = page.locator("section[aria-labelledby=links-h]");
    assert((await links.locator("ul").textContent()).replace(/\s+/g, " ").includes("External certificate CS50x"), "link listed");
    await page.getByText("Choose the credentials").click();
    assert(await page.getByRole("checkbox", { name: /^CS50x/ }).isChecked(), "the box stays ticked");
    await axeScan(page, "/backpack/notes/{id} with a file and a link");

    await links.getByRole("link", { name: "CS50x" }).click();
    await page.waitForURL(`${server.url}${certPath}`);
    const about = page.locator("section[aria-labelledby=about-h]");
    assert((await about.getByRole("heading").textContent()) === "Notes about this item", "notes box on the certificate");
    await about.getByRole("link", { name: "Study log" }).click();
    await page.waitForURL(`${server.url}${notePath}`);
    await ctx.close();
  },
]);

TESTS.push([
  "the demo learner searches the e-Backpack by words, area, tag, issuer and dates; a bad date is an error at its field",
  async ({ browser, server }) => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await login(page, server.url, server.demo.learner.email, server.demo.learner.password);
    await page.getByRole("link", { name: "My e-Backpack" }).click();
    await page.waitForURL(`${server.url}/backpack`);
    assert((await page.locator("ul.area-cards > li").count()) === 5, "five area cards");
    assert((await page.textContent("#results-h")) === "Timeline", "timeline first");
    const results = () => texts(page, "section[aria-labelledby=results-h] ul.items > li");
    assert((await results()).length >= 6, "the timeline lists the demo items");

    await page.getByLabel("Words (titles, issuers, descriptions, skills, notes)").fill("machine learning");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.waitForURL(/\/backpack\?q=machine\+learning/);
    assert((await page.textContent("#results-h")) === "Results", "results heading");
    let found = await results();
    assert(found.some((r) => r.startsWith("External certificate Machine Learning")), `certificate found: ${found}`);
    assert(found.some((r) => r.startsWith("Note What I learned in Machine Learning")), `note found: ${found}`);
    assert(!found.some((r) => r.includes("CS50x")), `CS50x does not match: ${found}`);

    await page.getByLabel("Words (titles, issuers, descriptions, skills, notes)").fill("");
    await page.getByLabel("Area").selectOption({ label: "Digital badge" });
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.waitForURL(/area=badge/);
    found = await results();
    assert(found.length >= 1 && found.every((r) => r.startsWith("Digital badge ")), `badges only: ${found}`);
    assert(found.some((r) => r.includes("Data Analysis with Python")), `the demo badge: ${found}`);

    await page.getByLabel("Area").selectOption("");
    const tags = await page.locator("#f-tag option").evaluateAll((os) => os.map((o) => o.value));
    assert(tags.includes("python"), `tag choices: ${tags}`);
    await page.getByLabel("Tag or skill").selectOption("python");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.waitForURL(/tag=python/);
    found = await results();
    assert(found.some((r) => r.includes("Machine Learning")) && found.some((r) => r.includes("Data Analysis with Python")), `tagged python: ${found}`);
    const tagged = await page.locator("section[aria-labelledby=results-h] ul.items > li").evaluateAll((lis) =>
      lis.every((li) => [...li.querySelectorAll(".tag")].some((t) => t.textContent.trim() === "python")),
    );
    assert(tagged, "every result carries the tag");

    await page.getByLabel("Tag or skill").selectOption("");
    await page.getByLabel("Issuer or platform").selectOption({ label: "Open Data Academy" });
    await page.getByLabel("From", { exact: true }).fill("2024-01-01");
    await page.getByLabel("To", { exact: true }).fill("2030-12-31");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.waitForURL(/from=2024-01-01/);
    found = await results();
    assert(found.length >= 1 && found.every((r) => r.includes("Open Data Academy")), `by issuer: ${found}`);
    assert((await page.locator("nav.pager").textContent()).includes("Page 1"), "pager");
    await axeScan(page, "/backpack with search results");

    const bad = await page.goto(`${server.url}/backpack?from=yesterday`);
    assert(bad.status() === 422, `a bad date answers 422, got ${bad.status()}`);
    assert((await page.getAttribute("#f-from", "aria-invalid")) === "true", "from field invalid");
    assert((await page.getAttribute("#f-from", "aria-describedby")) === "f-from-error", "error tied to the field");
    assert((await page.textContent("#f-from-error")).includes("Enter a real date"), "date error message");
    assert((await page.getByRole("alert").locator("a[href='#f-from']").count()) === 1, "summary links to the field");
    await axeScan(page, "/backpack with a bad date");
    await ctx.close();
  },
]);

TESTS.push([
  "the demo learner makes a collection, adds a badge from its page, sees it, removes it, renames and deletes the collection (after confirming)",
  async ({ browser, server }) => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await login(page, server.url, server.demo.learner.email, server.demo.learner.password);
    await page.goto(`${server.url}/backpack`);
    await page.getByRole("link", { name: /^My collections \(\d+\)$/ }).click();
    await page.waitForURL(`${server.url}/backpack/collections`);
    assert((await page.textContent("ul.cards")).includes("Data analyst application"), "demo collection listed");
    await axeScan(page, "/backpack/collections");
    await page.getByRole("button", { name: "Create the collection" }).click();
    await page.waitForSelector("#f-name-error");
    assert((await page.getAttribute("#f-name", "aria-invalid")) === "true", "name required");
    await axeScan(page, "/backpack/collections with an error");

    await page.getByLabel("Name").fill("E2E showcase");
    await page.getByLabel("Description").fill("Badges for the browser test.");
    await page.getByRole("button", { name: "Create the collection" }).click();
    await page.waitForURL(/\/backpack\/collections\/[0-9a-f-]{36}\?done=collection_saved$/);
    const collectionPath = new URL(page.url()).pathname;
    assert((await page.textContent("h1")) === "E2E showcase", "collection page");
    assert((await page.textContent("main")).includes("This collection is empty."), "empty collection");
    await axeScan(page, "/backpack/collections/{id} (empty)");

    await page.goto(`${server.url}/backpack/badges`);
    await page.getByRole("link", { name: "Data Analysis with Python" }).click();
    await page.getByLabel("Add to the collection").selectOption({ label: "E2E showcase" });
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.waitForURL(/\/backpack\/badges\/[0-9a-f-]{36}\?done=collection_item_added$/);
    const badgePath = new URL(page.url()).pathname;
    const box = page.locator("section[aria-labelledby=collections-h]");
    assert((await box.getByRole("link", { name: "E2E showcase" }).count()) === 1, "the badge page names the collection");
    await box.getByRole("link", { name: "E2E showcase" }).click();
    await page.waitForURL(`${server.url}${collectionPath}`);
    const items = await texts(page, "ul.items > li");
    assert(items.length === 1 && items[0].startsWith("Digital badge Data Analysis with Python"), `collection items: ${items}`);
    await axeScan(page, "/backpack/collections/{id} (one item)");

    await page.getByRole("button", { name: "Remove “Data Analysis with Python” from the collection" }).click();
    await page.waitForURL(`${server.url}${collectionPath}?done=collection_item_removed`);
    assert((await page.textContent("main")).includes("This collection is empty."), "removed");

    await page.getByText("Rename or describe").click();
    await page.getByLabel("Name").fill("E2E showcase, renamed");
    await page.getByRole("button", { name: "Save" }).click();
    await page.waitForURL(`${server.url}${collectionPath}?done=collection_saved`);
    assert((await page.textContent("h1")) === "E2E showcase, renamed", "renamed");

    const del = page.getByRole("button", { name: "Delete this collection (its items stay in your e-Backpack)" });
    let dismissed = false;
    page.once("dialog", (d) => {
      dismissed = true;
      d.dismiss();
    });
    await del.click();
    await page.waitForTimeout(300);
    assert(dismissed && new URL(page.url()).pathname === collectionPath, "dismissing the confirmation keeps the collection");
    let asked = "";
    page.once("dialog", (d) => {
      asked = d.message();
      d.accept();
    });
    await del.click();
    await page.waitForURL(`${server.url}/backpack/collections?done=collection_deleted`);
    assert(asked === "Are you sure?", `confirmation: ${asked}`);
    assert(!(await page.textContent("main")).includes("E2E showcase"), "collection gone");
    const gone = await page.goto(`${server.url}${collectionPath}`);
    assert(gone.status() === 404, `deleted collection is 404: ${gone.status()}`);
    await page.goto(`${server.url}${badgePath}`);
    assert((await page.textContent("h1")) === "Data Analysis with Python", "the badge stays");
    await ctx.close();
  },
]);

TESTS.push([
  "the demo learner adds a work experience citing a certificate as evidence, sees it in the CV, gets an error for a bad month, and deletes it",
  async ({ browser, server }) => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await login(page, server.url, server.demo.learner.email, server.demo.learner.password);
    await page.goto(`${server.url}/backpack/portfolio`);
    const cv = page.locator("article.cv");
    assert((await cv.textContent()).includes("Data intern"), "the demo CV");
    await axeScan(page, "/backpack/portfolio");

    const addForm = () => page.locator("#experience > details").last();
    await addForm().locator("summary").click();
    const form = addForm().locator("form");
    await form.getByLabel("Title").fill("E2E data engineer");
    await form.getByLabel("Organisation").fill("Browser Tests Ltd");
    await form.getByLabel("Location").fill("Ghent");
    await form.getByLabel("From (month)").fill("2024-09");
    await form.getByLabel("Description").fill("Pipelines, tested end to end.");
    await form.getByRole("checkbox", { name: /^Machine Learning \(/ }).check();
    await form.getByRole("button", { name: "Add" }).click();
    await page.waitForURL(/\/backpack\/portfolio\?done=portfolio_saved#experience$/);
    const entry = cv.locator("li", { hasText: "E2E data engineer" });
    const text = (await entry.textContent()).replace(/\s+/g, " ");
    assert(text.includes("Browser Tests Ltd") && text.includes("2024-09–ongoing") && text.includes("Pipelines, tested end to end."), `CV entry: ${text}`);
    const evidence = entry.locator(".evidence-links a");
    assert((await evidence.count()) === 1 && (await evidence.textContent()) === "Machine Learning", "evidence link");
    assert(/^\/backpack\/certificates\/[0-9a-f-]{36}$/.test(await evidence.getAttribute("href")), "evidence points at the certificate");

    // A browser without month pickers lets anyone type "2024-13".
    await addForm().locator("summary").click();
    await form.getByLabel("Title").fill("Bad month");
    await form.getByLabel("From (month)").evaluate((el) => {
      el.type = "text";
      el.value = "2024-13";
    });
    const refused = await submit(page, form.getByRole("button", { name: "Add" }));
    assert(refused.status() === 422, `bad month refused: ${refused.status()}`);
    assert(await addForm().evaluate((d) => d.open), "the form with the error is open");
    assert((await page.getAttribute("#experience-from", "aria-invalid")) === "true", "month field invalid");
    assert((await page.textContent("#experience-from-error")).includes("Enter a month"), "month error");
    assert(!(await cv.textContent()).includes("Bad month"), "nothing added");
    await axeScan(page, "/backpack/portfolio with an error");

    await page.goto(`${server.url}/backpack/portfolio`);
    const saved = page.locator("#experience > details", { has: page.locator("summary", { hasText: "E2E data engineer" }) });
    await saved.locator("summary").click();
    page.once("dialog", (d) => d.accept());
    await saved.getByRole("button", { name: "Delete “E2E data engineer”" }).click();
    await page.waitForURL(/done=portfolio_entry_deleted/);
    assert(!(await cv.textContent()).includes("E2E data engineer"), "entry deleted");
    await ctx.close();
  },
]);

TESTS.push([
  "axe-core finds no violation on any e-Backpack page of the demo learner, in English and French, every <details> open",
  async ({ browser, server }) => {
    for (const locale of ["en-US", "fr-FR"]) {
      const ctx = await browser.newContext({ locale });
      const page = await ctx.newPage();
      await page.goto(`${server.url}/login`);
      await page.locator("#f-email").fill(server.demo.learner.email);
      await page.locator("#f-password").fill(server.demo.learner.password);
      await page.locator("form.stack button[type=submit]").click();
      await page.waitForURL(`${server.url}/`);
      const lang = locale.slice(0, 2);
      const firstHref = async (list, selector) => {
        await page.goto(`${server.url}${list}`);
        const href = await page.locator(selector).first().getAttribute("href");
        assert(href, `a link on ${list}`);
        return href;
      };
      const certificate = await firstHref("/backpack/certificates", "tbody a[href^='/backpack/certificates/']");
      const badge = await firstHref("/backpack/badges", "tbody a[href^='/backpack/badges/']");
      const portal = await firstHref("/backpack/portal", "tbody a[href^='/backpack/badges/']");
      const collection = await firstHref("/backpack/collections", "ul.cards a");
      const note = await firstHref("/backpack/notes", "ul.cards > li > a");
      const pages = [
        "/backpack",
        "/backpack?q=x",
        "/backpack/certificates",
        certificate,
        `${certificate}/edit`,
        "/backpack/badges",
        badge,
        "/backpack/portal",
        portal,
        "/backpack/portfolio",
        "/backpack/collections",
        collection,
        "/backpack/notes",
        note,
      ];
      for (const path of pages) {
        const response = await page.goto(`${server.url}${path}`);
        assert(response.status() === 200, `${path}: ${response.status()}`);
        assert((await page.evaluate(() => document.documentElement.lang)) === lang, `${path} is in ${lang}`);
        const title = await page.title();
        assert(title.endsWith(" · Backpack") && !title.includes("<"), `${path} has a plain title: ${title}`);
        await page.evaluate(() => document.querySelectorAll("details").forEach((d) => (d.open = true)));
        await axeScan(page, `${path} (${locale}, demo learner)`);
      }
      await ctx.close();
    }
  },
]);

TESTS.push([
  "XSS corpus: every vector, in Markdown and plain-text strings of certificates, badges, notes, collections and the portfolio, stays inert on every e-Backpack page",
  async ({ browser, server }) => {
    const V = readVectors();
    assert(V.length >= 50 && V.some((v) => v.includes("\n")), `${V.length} vectors, newlines decoded`);
    const IMG_SRC = /^\/(backpack\/certificates\/[0-9a-f-]{36}\/preview|backpack\/badges\/[0-9a-f-]{36}\/image|files\/[0-9a-f-]{36})$/;
    const { ctx, page, inert } = await xssContext(browser, IMG_SRC);
    let visits = 0;
    const visit = async (path, checks = async () => {}) => {
      const response = await page.goto(`${server.url}${path}`, { waitUntil: "load" });
      assert(response.status() === 200, `${path}: ${response.status()}`);
      await checks();
      await inert(path);
      visits++;
    };
    const plainTitle = (s) => `${s.replace(/\s+/g, " ").trim()} · Backpack`;
    const mainText = () => page.textContent("main");
    const shows = async (where, values) => {
      const text = await mainText();
      for (const v of values) assert(text.includes(v), `${where} shows ${JSON.stringify(v)} as text`);
    };

    const displayName = V.find((v) => !v.includes("\n") && v.length <= 100 && /<\w+ [^>]*on\w+=/.test(v));
    await register(page, server.url, displayName, "xavier@example.org", server.dataDir);

    // The trap itself: a handler injected into the page is caught, by the
    // alert trap and by the DOM check, so a clean result means something.
    await page.goto(`${server.url}/backpack`);
    await page.evaluate(() => document.querySelector("main").insertAdjacentHTML("beforeend", "<img src=x onerror=alert(1)>"));
    let caught = "";
    try {
      await inert("a page with an injected handler");
    } catch (e) {
      caught = String(e);
    }
    assert(caught.includes("alert:1") && caught.includes("img[onerror]"), `the trap missed an injected handler: ${caught}`);
    await page.goto(`${server.url}/backpack`);
    await inert("/backpack, fresh");

    // Spread the corpus: each vector alone in one Markdown place, and each
    // in plain-text places (single-line fields get single-line vectors).
    const N = V.length;
    const single = V.filter((v) => !v.includes("\n"));
    const md = [];
    const plain = [];
    let nextMd = 0;
    let nextPlain = 0;
    let nextLine = 0;
    const takeMd = (place) => {
      const v = nextMd < N ? V[nextMd++] : "Plain *Markdown*.";
      md.push([place, v]);
      return v;
    };
    const takeAny = (place) => {
      const v = V[nextPlain++ % N];
      plain.push([place, v]);
      return v;
    };
    const takeLine = (place, max = 200, ok = () => true) => {
      for (let i = 0; i < single.length; i++) {
        const v = single[nextLine++ % single.length];
        if (v.length <= max && ok(v)) {
          plain.push([place, v]);
          return v;
        }
      }
      throw new Error(`no vector fits ${place}`);
    };
    const takeTag = (place) => takeLine(place, 40, (v) => !v.includes(","));

    // Certificates: upload, then every field of the edit form.
    await page.goto(`${server.url}/backpack/certificates`);
    const certificates = [];
    for (let c = 0; c < 2; c++) {
      const pdf = makePdf([[20, `Certificate ${c}`], [10, "Offered through Coursera"]]).toString("base64");
      const edit = await post(page, "/backpack/certificates", [["file", { filename: `c${c}.pdf`, type: "application/pdf", base64: pdf }], ["title", ""], ["platform", ""]], true);
      const id = edit.match(/certificates\/([0-9a-f-]{36})\/edit$/)[1];
      const f = {
        title: takeLine(`certificate ${c} title`),
        issuer_name: takeLine(`certificate ${c} issuer`),
        credential_id: takeLine(`certificate ${c} credential ID`),
        tags: [takeTag(`certificate ${c} tag`), takeTag(`certificate ${c} tag`)],
        description: takeMd(`certificate ${c} description`),
      };
      const verification = "https://verify.example/?q='onmouseover='alert(1)'";
      if (c === 0) {
        // One typed into the edit form.
        await page.goto(`${server.url}${edit}`);
        await page.getByLabel("Title", { exact: true }).fill(f.title);
        await page.getByLabel("Platform").selectOption("other");
        await page.getByLabel("Issuer name").fill(f.issuer_name);
        await page.getByLabel("Credential ID").fill(f.credential_id);
        await page.getByLabel("Verification link").fill(verification);
        await page.getByLabel("Skills and tags").fill(f.tags.join(", "));
        await page.getByLabel("Description").fill(f.description);
        await page.getByRole("button", { name: "Save" }).click();
        await page.waitForURL(/done=certificate_saved$/);
      } else {
        await post(page, `/backpack/certificates/${id}`, [
          ["title", f.title],
          ["platform", "other"],
          ["issuer_name", f.issuer_name],
          ["issued_on", `2024-02-0${c + 1}`],
          ["credential_id", f.credential_id],
          ["verification_url", verification],
          ["tags", f.tags.join(", ")],
          ["description", f.description],
        ]);
      }
      certificates.push({ id, key: `certificate:${id}`, ...f });
    }

    // Badges: unsigned Open Badges 3.0 credentials, strings everywhere.
    const image = `data:image/png;base64,${readFileSync(join(here, "..", "assets", "badge.png")).toString("base64")}`;
    const badges = [];
    for (let b = 0; b < 5; b++) {
      const s = {
        name: takeAny(`badge ${b} name`),
        issuer: takeAny(`badge ${b} issuer`),
        type: takeAny(`badge ${b} achievementType`),
        align0: takeAny(`badge ${b} alignment name`),
        framework: takeAny(`badge ${b} alignment framework`),
        code: takeAny(`badge ${b} alignment code`),
        align1: takeAny(`badge ${b} alignment name`),
        tags: [takeAny(`badge ${b} tag`), takeAny(`badge ${b} tag`)],
        evidenceNames: [0, 1, 2, 3, 4, 5].map(() => takeAny(`badge ${b} evidence name`)),
        endorser: takeAny(`badge ${b} endorser`),
        comment: takeAny(`badge ${b} endorsement comment`),
        description: takeMd(`badge ${b} description`),
        criteria: takeMd(`badge ${b} criteria`),
        narratives: [0, 1, 2, 3, 4, 5].map(() => takeMd(`badge ${b} evidence narrative`)),
      };
      const credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        id: `urn:uuid:00000000-0000-4000-8000-00000000000${b}`,
        type: ["VerifiableCredential", "OpenBadgeCredential"],
        name: s.name,
        issuer: { id: "https://issuer.example/xss", type: ["Profile"], name: s.issuer },
        validFrom: "2024-03-01T00:00:00Z",
        credentialSubject: {
          type: ["AchievementSubject"],
          achievement: {
            id: `https://issuer.example/achievements/${b}`,
            type: ["Achievement"],
            achievementType: s.type,
            name: s.name,
            description: s.description,
            criteria: { narrative: s.criteria },
            image: { id: image, type: "Image" },
            tag: s.tags,
            alignment: [
              { type: ["Alignment"], targetName: s.align0, targetUrl: "javascript:alert(1)", targetFramework: s.framework, targetCode: s.code },
              { type: ["Alignment"], targetName: s.align1, targetUrl: "http://ok.example/\" onmouseover=\"alert(1)" },
            ],
            endorsement: [
              {
                type: ["VerifiableCredential", "EndorsementCredential"],
                issuer: { id: "https://endorser.example", type: ["Profile"], name: s.endorser },
                validFrom: "2024-03-02T00:00:00Z",
                credentialSubject: { id: `https://issuer.example/achievements/${b}`, type: ["EndorsementSubject"], endorsementComment: s.comment },
              },
            ],
          },
        },
        evidence: s.narratives.map((narrative, k) => ({
          id: ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "http://ok.example/\"><script>alert(1)</script>", `https://evidence.example/${b}/${k}`][Math.min(k, 3)],
          type: ["Evidence"],
          name: s.evidenceNames[k],
          narrative,
        })),
      };
      const json = JSON.stringify(credential, null, 2);
      let path;
      if (b === 0) {
        // One through the form, pasted.
        await page.goto(`${server.url}/backpack/badges`);
        await page.getByLabel("Or paste the badge (JSON or JWT)").fill(json);
        await page.getByRole("button", { name: "Import and verify" }).click();
        await page.waitForURL(/\/backpack\/badges\/[0-9a-f-]{36}\?done=badge_imported$/);
        path = new URL(page.url()).pathname;
      } else {
        path = await post(page, "/backpack/badges", [["file", { filename: `xss-${b}.json`, type: "application/json", base64: Buffer.from(json).toString("base64") }]], true);
      }
      const id = path.match(/badges\/([0-9a-f-]{36})$/)[1];
      badges.push({ id, key: `badge:${id}`, ...s });
    }

    // Notes: the remaining vectors as bodies, then one with the whole corpus.
    const notes = [];
    await page.goto(`${server.url}/backpack/notes/new`);
    while (nextMd < N || notes.length === 0) {
      const n = notes.length;
      const f = { title: takeLine(`note ${n} title`), body: takeMd(`note ${n} body`), tags: [takeTag(`note ${n} tag`), takeTag(`note ${n} tag`)] };
      const path = await post(page, "/backpack/notes", [["title", f.title], ["body", f.body], ["tags", f.tags.join(", ")]]);
      notes.push({ id: path.split("/").pop(), ...f });
    }
    {
      const f = { title: takeLine("corpus note title"), body: V.join("\n\n"), tags: [] };
      const path = await post(page, "/backpack/notes", [["title", f.title], ["body", f.body], ["tags", ""]]);
      notes.push({ id: path.split("/").pop(), ...f });
    }
    const credentials = [...certificates, ...badges];
    await post(page, `/backpack/notes/${notes[0].id}/links`, credentials.map((c) => ["item", c.key]));

    // Collections: one holding everything, one empty.
    const collections = [];
    for (let c = 0; c < 2; c++) {
      const f = { name: takeLine(`collection ${c} name`, 100), description: takeAny(`collection ${c} description`) };
      const path = await post(page, "/backpack/collections", [["name", f.name], ["description", f.description]]);
      collections.push({ id: path.split("/").pop(), ...f });
    }
    for (const item of [...credentials.map((c) => c.key), ...notes.map((n) => `note:${n.id}`)]) {
      await post(page, "/backpack/collections/items", [["item", item], ["collection", collections[0].id]]);
    }

    // Portfolio: the whole corpus in the summary, vectors in every entry.
    await page.goto(`${server.url}/backpack/portfolio`);
    const summary = V.join("\n");
    const headline = takeLine("portfolio headline");
    await post(page, "/backpack/portfolio/profile", [
      ["headline", headline],
      ["email", "xavier@example.org"],
      ["phone", ""],
      ["location", takeLine("portfolio location")],
      ["website", "https://xavier.example/?q='onmouseover='alert(1)'"],
      ["summary", summary],
    ]);
    plain.push(["portfolio summary", summary]);
    const evidence = credentials.map((c) => ["evidence", c.key]);
    const entries = [];
    for (const section of ["experience", "experience", "education"]) {
      const f = {
        title: takeLine(`${section} title`),
        organisation: takeLine(`${section} organisation`),
        location: takeLine(`${section} location`),
        description: takeAny(`${section} description`),
      };
      await post(page, "/backpack/portfolio/entries", [["section", section], ...Object.entries(f), ["from", "2023-01"], ["to", ""], ...evidence]);
      entries.push(f);
    }
    const skill = takeLine("skill title");
    await post(page, "/backpack/portfolio/entries", [["section", "skills"], ["title", skill], ["category", "digital"], ["level", takeLine("skill level")], ...evidence]);
    const language = takeLine("language");
    await post(page, "/backpack/portfolio/entries", [["section", "languages"], ["title", language], ["level_0", "B2"]]);

    // Every vector is in at least one Markdown place and one plain-text place.
    for (const v of V) {
      assert(md.some(([, x]) => x === v), `${JSON.stringify(v)} is in no Markdown place`);
      assert(plain.some(([place, x]) => x === v && place !== "portfolio summary"), `${JSON.stringify(v)} is in no plain field of its own`);
    }

    // Now look at every page that shows them.
    await visit("/", () => shows("home", [displayName]));
    await visit("/account");
    for (const path of ["/backpack", `/backpack?q=${encodeURIComponent("alert")}`, `/backpack?tag=${encodeURIComponent(notes[0].tags[0].toLowerCase())}`]) {
      let next = path;
      while (next) {
        await visit(next);
        const more = page.locator("nav.pager a[rel=next]");
        next = (await more.count()) ? await more.getAttribute("href") : null;
      }
    }
    await visit("/backpack/certificates", () => shows("certificate list", certificates.map((c) => c.title)));
    for (const c of certificates) {
      await visit(`/backpack/certificates/${c.id}`, async () => {
        assert((await page.textContent("h1")) === c.title, `certificate title shown as text: ${c.title}`);
        assert((await page.title()) === plainTitle(c.title), `certificate page title: ${await page.title()}`);
        await shows("certificate page", [c.issuer_name, c.credential_id, ...c.tags.map((t) => t.toLowerCase()), notes[0].title, collections[0].name]);
        assert((await page.locator("dd.markdown").count()) === 1, "description rendered");
        await imageLoaded(page, "figure.preview img");
      });
      await visit(`/backpack/certificates/${c.id}/edit`, async () => {
        assert((await page.getByLabel("Title", { exact: true }).inputValue()) === c.title, "title in the form");
        assert((await page.getByLabel("Description").inputValue()) === c.description, "description in the form");
      });
    }
    await visit("/backpack/badges", () => shows("badge list", badges.map((b) => b.name)));
    for (const b of badges) {
      await visit(`/backpack/badges/${b.id}`, async () => {
        assert((await page.textContent("h1")) === b.name, `badge name shown as text: ${b.name}`);
        assert((await page.title()) === plainTitle(b.name), `badge page title: ${await page.title()}`);
        await shows("badge page", [b.issuer, b.type, b.align0, b.framework, b.code, b.align1, ...b.tags, ...b.evidenceNames, b.endorser, b.comment, notes[0].title, collections[0].name]);
        assert((await page.locator("dd.markdown").count()) === 2 && (await page.locator("li div.markdown").count()) === 6, "description, criteria and evidence rendered");
        const verdict = page.locator(".verdict-box");
        assert((await verdict.textContent()).startsWith("Invalid") && (await verdict.getAttribute("class")).includes("red"), "unsigned: invalid, in red");
        await imageLoaded(page, "figure.badge-image img");
      });
    }
    await visit("/backpack/notes", () => shows("note list", notes.map((n) => n.title)));
    await visit(`/backpack/notes?tag=${encodeURIComponent(notes[1].tags[0].toLowerCase())}`);
    for (const n of notes) {
      await visit(`/backpack/notes/${n.id}`, async () => {
        assert((await page.textContent("h1")) === n.title, `note title shown as text: ${n.title}`);
        assert((await page.title()) === plainTitle(n.title), `note page title: ${await page.title()}`);
        await shows("note page", n.tags.map((t) => t.toLowerCase()));
      });
    }
    await visit(`/backpack/notes/${notes[0].id}/edit`, async () => {
      assert((await page.getByLabel("Text", { exact: true }).inputValue()) === notes[0].body, "body in the form");
    });
    await visit("/backpack/collections", () => shows("collection list", collections.map((c) => c.name)));
    for (const c of collections) {
      await visit(`/backpack/collections/${c.id}`, async () => {
        assert((await page.textContent("h1")) === c.name, `collection name shown as text: ${c.name}`);
        await shows("collection page", [c.description]);
      });
    }
    await visit("/backpack/portfolio", async () => {
      assert((await page.textContent(".cv-headline")) === headline, "headline as text");
      assert((await page.textContent(".cv-summary")) === summary, "the whole corpus as text in the summary");
      await shows("portfolio", [...entries.flatMap((e) => [e.title, e.organisation, e.description]), skill, language]);
      assert((await page.locator(".cv .evidence-links a").count()) === 3 * credentials.length, "evidence links");
    });
    assert(visits >= 30, `${visits} pages visited`);
    await ctx.close();
    return { vectors: N, visits };
  },
]);

TESTS.push([
  "a learner uploads a certificate, downloads all their data (the PDF and its index entry inside), then deletes the account after confirming",
  async ({ browser, server }) => {
    const ctx = await browser.newContext({ acceptDownloads: true });
    const page = await ctx.newPage();
    await register(page, server.url, "Temporary Tess", "tess@example.org", server.dataDir);
    const pdf = makePdf(COURSERA_LINES);
    await page.goto(`${server.url}/backpack/certificates`);
    await page.getByLabel("Certificate file").setInputFiles({ name: "ml.pdf", mimeType: "application/pdf", buffer: pdf });
    await page.getByRole("button", { name: "Upload" }).click();
    await page.waitForURL(/done=certificate_uploaded/);
    await page.goto(`${server.url}/account`);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download all my data" }).click(),
    ]);
    assert(download.suggestedFilename() === "backpack-export.tar", download.suggestedFilename());
    const files = untar(readFileSync(await download.path()));
    const index = JSON.parse(files.get("index.json").toString("utf8"));
    assert(index.format === "backpack-export", "the archive holds the index");
    assert(Array.isArray(index.certificates) && index.certificates.length === 1, `certificates in index.json: ${JSON.stringify(index.certificates)}`);
    const entry = index.certificates[0];
    assert(entry.title === "Machine Learning" && entry.platform === "coursera", `certificate entry: ${JSON.stringify(entry)}`);
    assert(entry.path.startsWith("certificates/") && files.has(entry.path), `certificate file in the archive: ${entry.path} (${[...files.keys()]})`);
    assert(files.get(entry.path).equals(pdf), "the certificate is in the archive byte for byte");
    // The button asks first (progressive enhancement): accept.
    let asked = "";
    page.once("dialog", (d) => {
      asked = d.message();
      d.accept();
    });
    await page.locator("#f-delete_password").fill(PASSWORD);
    await page.getByRole("button", { name: "Delete my account for good" }).click();
    await page.waitForURL(/done=account_deleted/);
    assert(asked.includes("for good"), `confirmation asked: ${asked}`);
    assert((await page.textContent("main")).includes("Your account and everything in it are deleted."), "notice");
    await page.goto(`${server.url}/login`);
    await page.getByLabel("E-mail address").fill("tess@example.org");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForSelector("#form-error");
    await ctx.close();
  },
]);

// ---------------------------------------------------------------- issuing
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

// Switch the interface language with the switcher in the page header.
async function switchLanguage(page, code) {
  const form = page.locator("header form.lang-form");
  await form.locator("select").selectOption(code);
  await form.locator("button[type=submit]").click();
  await page.waitForFunction((lang) => document.documentElement.lang === lang, code);
}

// The demo issuer's pages, found by clicking from the navigation:
// { issuer, achievement, active, jwt, revoked } (paths).
async function demoIssuerPaths(page, url) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Issuing", exact: true }).click();
  await page.waitForURL(`${url}/issuing`);
  await page.getByRole("link", { name: "Backpack Demo Academy" }).click();
  await page.waitForURL(new RegExp(`/issuing/${UUID}$`));
  const issuer = new URL(page.url()).pathname;
  const sections = page.getByRole("navigation", { name: "Issuer sections" });
  await sections.getByRole("link", { name: "Achievements", exact: true }).click();
  await page.waitForURL(`${url}${issuer}/achievements`);
  const achievement = await page.getByRole("link", { name: "Digital Security Essentials" }).getAttribute("href");
  await sections.getByRole("link", { name: "Issued credentials", exact: true }).click();
  await page.waitForURL(`${url}${issuer}/credentials`);
  const active = await page.getByRole("row", { name: /learner@demo\.backpack\.test.*Digital Security Essentials/ }).getByRole("link").getAttribute("href");
  const jwt = await page.getByRole("row", { name: /learner@demo\.backpack\.test.*Online Collaboration/ }).getByRole("link").getAttribute("href");
  const revoked = await page.getByRole("row", { name: /former@demo\.backpack\.test/ }).getByRole("link").getAttribute("href");
  return { issuer, achievement, active, jwt, revoked };
}

TESTS.push([
  "issuer staff: Issuing from the navigation, the demo issuer, and every issuing page (with and without form errors) pass axe in English and in French",
  async ({ browser, server }) => {
    const ctx = await browser.newContext({ locale: "en-GB" });
    const page = await ctx.newPage();
    await login(page, server.url, server.demo.issuer_staff.email, server.demo.issuer_staff.password);
    const d = await demoIssuerPaths(page, server.url);
    const pages = [
      "/issuing",
      d.issuer,
      `${d.issuer}/achievements`,
      `${d.issuer}/achievements/new`,
      d.achievement,
      `${d.issuer}/award`,
      `${d.issuer}/credentials`,
      `${d.issuer}/credentials?state=revoked`,
      d.active,
      d.jwt,
      d.revoked,
      `${d.issuer}/audit`,
    ];
    const scanned = [];
    for (const lang of ["en", "fr"]) {
      if (lang === "fr") await switchLanguage(page, "fr");
      for (const path of pages) {
        const response = await page.goto(`${server.url}${path}`);
        assert(response.status() === 200, `${path}: ${response.status()}`);
        assert((await page.evaluate(() => document.documentElement.lang)) === lang, `${path} is in ${lang}`);
        const title = await page.title();
        assert(title.endsWith(" · Backpack") && !title.includes("<"), `${path} has a plain title: ${title}`);
        await page.evaluate(() => document.querySelectorAll("details").forEach((el) => (el.open = true)));
        // Long identifiers, keys and signed credentials wrap (WCAG 1.4.10).
        const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
        assert(scroll <= client, `${path} scrolls sideways: ${scroll} px wide in ${client} px`);
        await axeScan(page, `${path} (${lang}, issuer staff)`);
        scanned.push(path);
      }
      // Forms showing their errors (nothing is created by them): each error
      // is tied to its field, and every link of the error summary leads to
      // an element of the page. Some choices are tampered with (a select's
      // or a radio button's value), as only a forged form could send them.
      const withErrors = async (path, fill, label, fields) => {
        await page.goto(`${server.url}${path}`);
        await fill();
        const response = await submit(page, page.locator("main form.stack button[type=submit]").first());
        assert(response.status() === 422, `${label}: ${response.status()}`);
        await page.waitForSelector("main .error");
        for (const id of fields) {
          const field = page.locator(`#${id}`);
          const describedBy = (await field.getAttribute("aria-describedby")) || "";
          assert(describedBy.split(" ").includes(`${id}-error`), `${label}: #${id} is described by its error (${describedBy})`);
          assert((await page.locator(`#${id}-error`).count()) === 1, `${label}: #${id}-error is shown`);
          if ((await field.evaluate((el) => el.tagName)) !== "FIELDSET") {
            assert((await field.getAttribute("aria-invalid")) === "true", `${label}: #${id} is marked invalid`);
          }
        }
        const broken = await page.evaluate(() =>
          [...document.querySelectorAll("main .alert[role=alert] a[href^='#']")].map((a) => a.getAttribute("href")).filter((h) => !document.getElementById(h.slice(1))),
        );
        assert(broken.length === 0, `${label}: the error summary links to missing elements ${broken}`);
        await axeScan(page, `${label} (${lang})`);
      };
      const tamper = (selector, value) =>
        page.locator(selector).evaluate((el, v) => {
          if (el.tagName === "SELECT") el.options[el.selectedIndex].value = v;
          else el.value = v;
        }, value);
      await withErrors("/issuing", () => page.locator("#f-country_code").fill("France"), "a new issuer with errors", ["f-name", "f-country_code"]);
      await withErrors(
        `${d.issuer}/achievements/new`,
        async () => {
          await page.locator("#f-ects").fill("lots");
          await page.locator("#f-translations").fill("fr");
        },
        "a new achievement with errors",
        ["f-ects", "f-translations"],
      );
      await withErrors(
        `${d.issuer}/achievements/new`,
        async () => {
          await page.locator("#f-name").fill("Tampered");
          await tamper("#f-achievement_type", "Spaceship");
          await tamper("#f-eqf_level", "x");
          await tamper("#f-participation", "by pigeon");
        },
        "a new achievement with forged choices",
        ["f-achievement_type", "f-eqf_level", "f-participation"],
      );
      await withErrors(d.achievement, () => page.locator("#f-name").fill(""), "an achievement's edit form with an error", ["f-name"]);
      await withErrors(`${d.issuer}/award`, async () => {}, "the award form with an error", ["f-recipient"]);
      await withErrors(`${d.issuer}/award`, () => tamper("#rk-email", "pigeon"), "the award form with a forged choice", ["f-recipient_kind"]);
      await withErrors(d.active, async () => {}, "the revoke form without a reason", ["f-reason"]);
      await withErrors(
        d.active,
        async () => {
          await page.locator("#f-reason").fill("A reason");
          await tamper("#st-revoked", "gone");
        },
        "the revoke form with a forged choice",
        ["f-state"],
      );
    }
    // Back to English: later tests use this account's English labels.
    await switchLanguage(page, "en");
    await ctx.close();
    return scanned.length;
  },
]);

TESTS.push([
  "issuer staff: API tokens (created and shown once, listed by their last characters, revoked) and automatic awards (xAPI rules, stacking rules, statements received) from the issuer's navigation, with and without form errors, pass axe in English and in French; the demo learner's progress towards a stacked achievement too",
  async ({ browser, server }) => {
    const ctx = await browser.newContext({ locale: "en-GB" });
    const page = await ctx.newPage();
    page.on("dialog", (d) => d.accept());
    await login(page, server.url, server.demo.issuer_staff.email, server.demo.issuer_staff.password);
    const d = await demoIssuerPaths(page, server.url);
    const tokensPath = `${d.issuer}/tokens`;
    const automationPath = `${d.issuer}/automation`;
    const ACTIVITY = "https://lms.example.org/e2e/digital-security";
    const TARGET = "Online Collaboration";
    const COMPONENT = "Digital Security Essentials";
    const scanned = [];
    // The checks of every issuing page: language, a plain title, no
    // sideways scrolling, axe.
    const check = async (label, lang) => {
      assert((await page.evaluate(() => document.documentElement.lang)) === lang, `${label} is in ${lang}`);
      const title = await page.title();
      assert(title.endsWith(" · Backpack") && !title.includes("<"), `${label} has a plain title: ${title}`);
      const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
      assert(scroll <= client, `${label} scrolls sideways: ${scroll} px wide in ${client} px`);
      await axeScan(page, `${label} (${lang}, issuer staff)`);
      scanned.push(`${label} (${lang})`);
    };
    // A form answered 422, each error tied to its field.
    const refused = async (form, label, fields, lang) => {
      const response = await submit(page, page.locator(`main form[action$='${form}'] button[type=submit]`));
      assert(response.status() === 422, `${label}: ${response.status()}`);
      await page.waitForSelector("main .error");
      for (const id of fields) {
        const field = page.locator(`#${id}`);
        const describedBy = (await field.getAttribute("aria-describedby")) || "";
        assert(describedBy.split(" ").includes(`${id}-error`), `${label}: #${id} is described by its error (${describedBy})`);
        if ((await field.evaluate((el) => el.tagName)) !== "FIELDSET") {
          assert((await field.getAttribute("aria-invalid")) === "true", `${label}: #${id} is marked invalid`);
        }
        assert((await page.getByRole("alert").locator(`a[href='#${id}']`).count()) === 1, `${label}: the summary links to #${id}`);
      }
      await check(label, lang);
    };
    const tokens = [];
    for (const lang of ["en", "fr"]) {
      if (lang === "fr") await switchLanguage(page, "fr");
      const t = (en, fr) => (lang === "en" ? en : fr);
      const sections = page.getByRole("navigation", { name: t("Issuer sections", "Sections de l'émetteur") });

      // API tokens, from the issuer's navigation.
      await page.goto(`${server.url}${d.issuer}`);
      await sections.getByRole("link", { name: t("API tokens", "Jetons d'API"), exact: true }).click();
      await page.waitForURL(`${server.url}${tokensPath}`);
      await check(tokensPath, lang);
      await refused("/tokens", `${tokensPath} without a name`, ["f-name"], lang);
      const name = `E2E LRS ${lang}`;
      await page.getByLabel(t("Name", "Nom"), { exact: true }).fill(name);
      await page.getByLabel(t("Access", "Accès"), { exact: true }).selectOption("xapi");
      const created = await submit(page, page.locator("main form[action$='/tokens'] button[type=submit]"));
      assert(created.status() === 200, `token created: ${created.status()}`);
      const token = (await page.textContent("#new-token")).trim();
      assert(/^bpk_\S{20,}$/.test(token), `a token is shown: ${token}`);
      assert((await page.content()).split(token).length === 2, "the token is shown once on the page");
      assert((await page.textContent("main")).includes(`${server.url}/xapi/statements`), "the xAPI endpoint is told");
      await check(`${tokensPath} with a new token`, lang);
      tokens.push(token);
      await page.goto(`${server.url}${tokensPath}`);
      assert(!(await page.content()).includes(token), "the token is not shown again");
      assert((await page.getByRole("row", { name: new RegExp(`${name}.*…${token.slice(-4)}`) }).count()) === 1, "listed by its last characters");
      await check(`${tokensPath} listing the token`, lang);

      // Automatic awards, from the issuer's navigation.
      await sections.getByRole("link", { name: t("Automation", "Automatisation"), exact: true }).click();
      await page.waitForURL(`${server.url}${automationPath}`);
      await check(automationPath, lang);
      await page.locator("#f-activity").fill("the security course");
      await page.locator("#f-min_score").fill("200");
      await refused("/xapi-rules", "an xAPI rule with errors", ["f-activity", "f-min_score"], lang);
      await page.locator("#f-target").selectOption({ label: TARGET });
      await refused("/stack-rules", "a stacking rule without components", ["f-components"], lang);
      await page.getByRole("checkbox", { name: COMPONENT, exact: true }).check();
      await page.getByLabel(t("Achievements of other issuers on this site (optional)", "Réalisations d'autres émetteurs de ce site (facultatif)")).fill(`${server.url}/achievements/00000000-0000-0000-0000-000000000000`);
      await refused("/stack-rules", "a stacking rule with an unknown component", ["f-components"], lang);
      assert(await page.getByRole("checkbox", { name: COMPONENT, exact: true }).isChecked(), "the checked component stays checked");
      if (lang === "en") {
        // One rule of each kind, added with the forms.
        await page.locator("#f-activity").fill(ACTIVITY);
        await page.locator("#f-achievement_id").selectOption({ label: COMPONENT });
        await page.locator("#f-min_score").fill("60");
        await page.locator("main form[action$='/xapi-rules'] button[type=submit]").click();
        await page.waitForURL(`${server.url}${automationPath}?done=xapi_rule_saved`);
        await page.locator("#f-target").selectOption({ label: TARGET });
        await page.getByRole("checkbox", { name: COMPONENT, exact: true }).check();
        await page.locator("main form[action$='/stack-rules'] button[type=submit]").click();
        await page.waitForURL(`${server.url}${automationPath}?done=stack_rule_saved`);
        // A statement sent with the token, as an LRS would.
        const r = await fetch(`${server.url}/xapi/statements`, {
          method: "POST",
          headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", "X-Experience-API-Version": "1.0.3" },
          body: JSON.stringify({
            actor: { mbox: "mailto:e2e-xapi@example.org" },
            verb: { id: "http://adlnet.gov/expapi/verbs/passed" },
            object: { id: ACTIVITY },
            result: { score: { scaled: 0.8 }, success: true },
          }),
        });
        assert(r.status === 200, `statement accepted: ${r.status} ${await r.text()}`);
        await page.goto(`${server.url}${automationPath}`);
      } else {
        // The same activity again: refused, said plainly.
        await page.locator("#f-activity").fill(ACTIVITY);
        await page.locator("#f-achievement_id").selectOption({ label: COMPONENT });
        await refused("/xapi-rules", "an xAPI rule for a ruled activity", ["f-activity"], lang);
        assert((await page.textContent("#f-activity-error")).includes("Cette activité a déjà une règle"), "the taken activity, in French");
        await page.goto(`${server.url}${automationPath}`);
      }
      const main = await page.textContent("main");
      assert(main.includes(ACTIVITY), "the xAPI rule is listed");
      assert((await page.getByRole("link", { name: TARGET, exact: true }).count()) >= 1, "the stacking rule's target is listed");
      assert(main.includes("mailto:e2e-xapi@example.org"), "the statement is in the log");
      assert((await page.locator(`main a[href^='/issuing/credentials/']`).count()) >= 1, "the statement links its credential");
      await check(`${automationPath} with rules and a statement`, lang);
    }

    // Clean up (in French, after the confirmation dialog): the rules
    // deleted, the tokens revoked.
    const land = async (button, path) => {
      await Promise.all([page.waitForResponse((r) => r.url() === `${server.url}${path}` && r.request().method() === "GET"), button.click()]);
      await page.waitForLoadState("load");
    };
    const deleteXapi = page.getByRole("button", { name: `Supprimer la règle de ${ACTIVITY}` });
    const deleteStack = page.getByRole("button", { name: `Supprimer la règle d'empilement de ${TARGET}` });
    await page.goto(`${server.url}${automationPath}`);
    await land(deleteXapi, `${automationPath}?done=xapi_rule_deleted`);
    await land(deleteStack, `${automationPath}?done=stack_rule_deleted`);
    assert((await deleteXapi.count()) === 0 && (await deleteStack.count()) === 0, "the rules are gone");
    await check(`${automationPath} after deleting`, "fr");
    await page.goto(`${server.url}${tokensPath}`);
    for (const lang of ["en", "fr"]) {
      await land(page.getByRole("button", { name: `Révoquer « E2E LRS ${lang} »` }), `${tokensPath}?done=token_revoked`);
    }
    assert((await page.getByRole("button", { name: /^Révoquer « E2E LRS/ }).count()) === 0, "both tokens are revoked");
    await check(`${tokensPath} with revoked tokens`, "fr");
    const refusedNow = await fetch(`${server.url}/xapi/statements`, {
      method: "POST",
      headers: { Authorization: `Bearer ${tokens[0]}`, "Content-Type": "application/json" },
      body: "[]",
    });
    assert(refusedNow.status === 401, `a revoked token is refused: ${refusedNow.status}`);
    // Back to English: later tests use this account's English labels.
    await switchLanguage(page, "en");
    await ctx.close();

    // The demo learner is on the way to the demo's stacked achievement: the
    // portal page says how far, in words, in both languages.
    const lctx = await browser.newContext({ locale: "en-GB" });
    const lp = await lctx.newPage();
    await login(lp, server.url, server.demo.learner.email, server.demo.learner.password);
    for (const lang of ["en", "fr"]) {
      if (lang === "fr") await switchLanguage(lp, "fr");
      await lp.goto(`${server.url}/backpack/portal`);
      const heading = lp.getByRole("heading", { name: lang === "en" ? "Towards stacked achievements" : "Vers des réalisations empilées", level: 2 });
      assert((await heading.count()) === 1, `the portal shows the progress towards stacked achievements (${lang})`);
      const items = await texts(lp, "section[aria-labelledby=stacks-h] ul[aria-label] li");
      const held = lang === "en" ? "held" : "détenue";
      assert(items.length >= 2 && items.some((i) => i.endsWith(held)), `components with held or not, in words: ${items}`);
      await axeScan(lp, `/backpack/portal with stacked progress (${lang})`);
      scanned.push(`/backpack/portal (${lang})`);
    }
    await switchLanguage(lp, "en");
    await lctx.close();
    return scanned.length;
  },
]);

TESTS.push([
  "issuer staff define an achievement (its missing EU elements listed), complete it, award it to the demo learner, revoke it; the learner sees it revoked",
  async ({ browser, server }) => {
    const NAME = "Accessible Web Design";
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await login(page, server.url, server.demo.issuer_staff.email, server.demo.issuer_staff.password);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Issuing", exact: true }).click();
    await page.getByRole("link", { name: "Backpack Demo Academy" }).click();
    await page.waitForURL(new RegExp(`/issuing/${UUID}$`));
    const issuer = new URL(page.url()).pathname;
    const sections = page.getByRole("navigation", { name: "Issuer sections" });
    await sections.getByRole("link", { name: "Achievements", exact: true }).click();
    await page.getByRole("link", { name: "A new achievement" }).click();
    await page.waitForURL(`${server.url}${issuer}/achievements/new`);

    // A draft: title, description and criteria only.
    assert(await page.getByLabel("An EU micro-credential", { exact: true }).isChecked(), "EU micro-credential by default");
    await page.getByLabel("Title", { exact: true }).fill(NAME);
    await page.getByLabel("Description", { exact: true }).fill("Build web pages everyone can use, keyboard and screen reader included.");
    await page.getByLabel("Criteria", { exact: true }).fill("Audit three pages against WCAG 2.2 AA and fix what you find.");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.waitForURL(new RegExp(`/issuing/achievements/${UUID}\\?done=achievement_saved$`));
    const achievementPath = new URL(page.url()).pathname;
    assert((await page.textContent("h1")) === NAME, "the achievement's page");
    const missingBox = page.locator("main .alert[role=status]");
    assert((await missingBox.textContent()).includes("cannot be awarded as an EU micro-credential yet"), "the page says it is incomplete");
    const missing = await texts(page, "main .alert[role=status] li");
    for (const element of ["Learning outcomes", "Notional workload", "Level (EQF)", "Type of assessment", "Form of participation"]) {
      assert(missing.includes(element), `${element} listed as missing: ${missing}`);
    }
    // The demo issuer's accreditation stands for the quality assurance.
    assert(missing.length === 5, `only those five are missing: ${missing}`);
    await axeScan(page, "an achievement with missing elements");
    await sections.getByRole("link", { name: "Achievements", exact: true }).click();
    const draftRow = (await texts(page, "tbody tr")).find((r) => r.startsWith(NAME));
    assert(draftRow && draftRow.includes("Draft") && draftRow.includes("Learning outcomes"), `list says draft: ${draftRow}`);

    // Completed by typing the missing elements.
    await page.getByRole("link", { name: NAME }).click();
    await page.getByLabel("Learning outcomes").fill("Audit a page with a screen reader\nFix contrast, labels and focus order");
    await page.getByLabel("Workload in ECTS credits").fill("2");
    await page.getByLabel("Workload in hours").fill("50");
    await page.getByLabel("Level (EQF)").selectOption("5");
    await page.getByLabel("Type of assessment").fill("Practical audit, reviewed by a tutor");
    await page.getByLabel("Form of participation").selectOption("online");
    await page.getByLabel("Type of quality assurance").fill("Internal quality assurance, reviewed yearly");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.waitForURL(`${server.url}${achievementPath}?done=achievement_saved`);
    assert((await page.locator("main .alert").count()) === 0, "nothing missing any more");
    assert((await page.textContent("main")).includes("Every mandatory element of an EU micro-credential is present."), "complete");
    await sections.getByRole("link", { name: "Achievements", exact: true }).click();
    const readyRow = (await texts(page, "tbody tr")).find((r) => r.startsWith(NAME));
    assert(readyRow.includes("Ready to award as an EU micro-credential"), `list says ready: ${readyRow}`);

    // Awarded to the demo learner's address.
    await sections.getByRole("link", { name: "Award", exact: true }).click();
    await page.waitForURL(`${server.url}${issuer}/award`);
    await page.getByLabel("Achievement", { exact: true }).selectOption({ label: NAME });
    await page.getByLabel(/^an e-mail address/).check();
    await page.getByLabel("E-mail address, account address or DID").fill(server.demo.learner.email);
    await page.getByLabel("Learner's name (for your records)").fill("Lea Learner");
    await page.getByLabel("Grade achieved").fill("Excellent");
    await page.getByLabel(/^JSON-LD with a Data Integrity proof/).check();
    await page.getByRole("button", { name: "Sign and award" }).click();
    await page.waitForURL(new RegExp(`/issuing/credentials/${UUID}\\?done=credential_issued$`));
    const credentialPath = new URL(page.url()).pathname;
    assert((await page.getByRole("status").first().textContent()).includes("The credential is signed and awarded."), "confirmation");
    let facts = (await page.textContent("dl.facts")).replace(/\s+/g, " ");
    for (const want of [server.demo.learner.email, "(Lea Learner)", "Valid", "Yes"]) assert(facts.includes(want), `issued page shows ${want}: ${facts}`);
    await page.locator("main details > summary", { hasText: "The signed credential" }).click();
    const signed = JSON.parse(await page.textContent("main details pre"));
    assert(signed.credentialSubject.achievement.name === NAME && signed.proof[0].cryptosuite === "eddsa-rdfc-2022", "the signed credential is shown");

    // Revoked, with a reason.
    assert(await page.getByLabel("Revoke (final)").isChecked(), "revoke is the default choice");
    await page.getByLabel("Reason").fill("Assessment fraud found in the review");
    await page.locator("main").getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(`${server.url}${credentialPath}?done=credential_revoked`);
    assert((await page.getByRole("status").first().textContent()).includes("The credential is revoked"), "revocation notice");
    facts = (await page.textContent("dl.facts")).replace(/\s+/g, " ");
    assert(facts.includes("Revoked — Assessment fraud found in the review"), `state and reason shown: ${facts}`);
    assert((await page.locator("#f-reason").count()) === 0, "no state form on a revoked credential");

    // The issued list, filtered by state.
    await sections.getByRole("link", { name: "Issued credentials", exact: true }).click();
    await page.getByLabel("Status").selectOption("revoked");
    await page.locator("main").getByRole("button", { name: "Search" }).click();
    await page.waitForURL(/state=revoked/);
    let rows = await texts(page, "tbody tr");
    assert(rows.some((r) => r.includes(NAME) && r.includes(server.demo.learner.email) && r.includes("Revoked")), `revoked row: ${rows}`);
    assert(rows.every((r) => r.includes("Revoked")), `only revoked rows: ${rows}`);
    assert((await page.getByLabel("Status").inputValue()) === "revoked", "the filter stays chosen");
    await page.getByLabel("Status").selectOption("active");
    await page.locator("main").getByRole("button", { name: "Search" }).click();
    await page.waitForURL(/state=active/);
    rows = await texts(page, "tbody tr");
    assert(!rows.some((r) => r.includes(NAME)) && rows.every((r) => r.includes("Valid")), `no longer valid: ${rows}`);
    await sections.getByRole("link", { name: "Audit log", exact: true }).click();
    const audit = await page.textContent("main table");
    for (const want of ["Achievement created", "Credential issued", "Credential revoked", "Assessment fraud found in the review"]) {
      assert(audit.includes(want), `audit log shows ${want}`);
    }
    await ctx.close();

    // The learner: Portal certificates, the credential, revoked.
    const lctx = await browser.newContext();
    const lp = await lctx.newPage();
    await login(lp, server.url, server.demo.learner.email, server.demo.learner.password);
    await lp.getByRole("link", { name: "My e-Backpack" }).click();
    await lp.getByRole("link", { name: "Portal certificates", exact: true }).click();
    await lp.waitForURL(`${server.url}/backpack/portal`);
    const listed = await texts(lp, "tbody tr");
    assert(listed.some((r) => r.includes(NAME) && r.includes("Backpack Demo Academy")), `portal lists it: ${listed}`);
    await lp.getByRole("link", { name: NAME }).click();
    await lp.waitForURL(new RegExp(`/backpack/badges/${UUID}$`));
    assert((await lp.textContent("h1")) === NAME, "the credential's page");
    const verdict = lp.locator(".verdict-box");
    assert((await verdict.textContent()).startsWith("Revoked") && (await verdict.getAttribute("class")).includes("red"), `shown revoked, in red: ${await verdict.textContent()}`);
    const checks = await lp.getByRole("row").allTextContents();
    assert(checks.some((r) => r.includes("revoked by the issuer")), `the status check says why: ${checks}`);
    await axeScan(lp, "a revoked portal certificate");
    await lctx.close();
  },
]);

TESTS.push([
  "a claim link from the demo mail folder: shown anonymously with sign-in links, refused to another learner, claimed after registering, confirming the address and logging in, then in Portal certificates; the claim page passes axe",
  async ({ browser, server }) => {
    const email = "newcomer@demo.backpack.test";
    const text = latestMail(server.dataDir, email);
    const link = text.match(/(http:\/\/\S+\/claim\?token=[\w-]+)/)[1];
    assert(text.includes("Digital Security Essentials"), "the mail names the achievement");
    const claimPath = new URL(link).pathname + new URL(link).search;
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    let response = await page.goto(link);
    assert(response.status() === 200, `claim page: ${response.status()}`);
    assert((await page.textContent("h1")) === "Claim your credential", "claim page");
    assert((await page.textContent("main")).includes("You have been awarded “Digital Security Essentials”."), "the achievement is named");
    assert((await page.locator("main").getByRole("button", { name: "Put it in my e-Backpack" }).count()) === 0, "no claim button anonymously");
    const loginLink = page.locator("main").getByRole("link", { name: "Log in" });
    const loginHref = await loginLink.getAttribute("href");
    assert(decodeURIComponent(loginHref.replace(/^\/login\?next=/, "")) === claimPath, `log in comes back here: ${loginHref}`);
    await axeScan(page, "/claim (anonymous)");

    // Someone else signed in (the demo learner) holding the link: no claim
    // (a claim link is no bearer token); the page names only the address
    // the credential was sent to.
    const octx = await browser.newContext();
    const op = await octx.newPage();
    await login(op, server.url, server.demo.learner.email, server.demo.learner.password);
    await op.goto(link);
    assert((await op.locator("main").getByRole("button", { name: "Put it in my e-Backpack" }).count()) === 0, "another learner: no claim button");
    assert((await op.textContent("#claim-refused")).includes(email), "names the address the link was sent to");
    await axeScan(op, "/claim (another learner)");
    await octx.close();

    // Register through the page's link.
    await page.locator("main").getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL(/\/register/);
    await page.getByLabel("Name").fill("Nina Newcomer");
    await page.getByLabel("E-mail address").fill(email);
    await page.getByLabel("New password").fill(PASSWORD);
    await page.getByRole("button", { name: "Create my account" }).click();
    await page.waitForURL(/\/login\?done=check_mail$/);
    // Confirmed through the mailed link, the page's "Log in" link brings the
    // learner back.
    await confirmThroughMail(page, server.dataDir, email);
    await page.goto(link);
    await page.locator("main").getByRole("link", { name: "Log in" }).click();
    await page.getByLabel("E-mail address").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(`${server.url}${claimPath}`);
    await page.goto(link);
    const claim = page.locator("main").getByRole("button", { name: "Put it in my e-Backpack" });
    assert((await claim.count()) === 1, "signed in: the claim button");
    await axeScan(page, "/claim (signed in)");
    await claim.click();
    await page.waitForURL(`${server.url}/backpack/portal?done=credential_claimed`);
    assert((await page.getByRole("status").first().textContent()).includes("The credential is in your e-Backpack."), "claimed notice");
    const rows = await texts(page, "tbody tr");
    assert(rows.some((r) => r.includes("Digital Security Essentials") && r.includes("Backpack Demo Academy")), `in Portal certificates: ${rows}`);
    await page.getByRole("link", { name: "Digital Security Essentials" }).click();
    assert((await page.textContent(".verdict-box")).startsWith("Verified"), `verified: ${await page.textContent(".verdict-box")}`);
    // A claim link works once.
    response = await page.goto(link);
    assert(response.status() >= 400 && response.status() < 500, `a used link is refused: ${response.status()}`);
    assert((await page.textContent("main")).includes("already been used"), "says why");
    await ctx.close();
  },
]);

TESTS.push([
  "learners see no Issuing link, and every issuing page is a 404 page for them (anonymous visitors are sent to log in)",
  async ({ browser, server }) => {
    const sctx = await browser.newContext();
    const sp = await sctx.newPage();
    await login(sp, server.url, server.demo.issuer_staff.email, server.demo.issuer_staff.password);
    const d = await demoIssuerPaths(sp, server.url);
    await sctx.close();
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await login(page, server.url, server.demo.learner.email, server.demo.learner.password);
    const nav = page.getByRole("navigation", { name: "Main" });
    assert((await nav.getByRole("link", { name: "My e-Backpack" }).count()) === 1, "the main navigation");
    assert((await nav.getByRole("link", { name: "Issuing" }).count()) === 0, "no Issuing link for a learner");
    const notFound = await page.goto(`${server.url}/no-such-page`);
    const notFoundHeading = await page.textContent("h1");
    assert(notFound.status() === 404, "the 404 page");
    for (const path of ["/issuing", d.issuer, `${d.issuer}/achievements`, `${d.issuer}/award`, `${d.issuer}/credentials`, `${d.issuer}/audit`, `${d.issuer}/tokens`, `${d.issuer}/automation`, d.achievement, d.active, `${d.active}/download`]) {
      const response = await page.goto(`${server.url}${path}`);
      assert(response.status() === 404, `${path} for a learner: ${response.status()}`);
      assert((await page.textContent("h1")) === notFoundHeading, `${path}: the not-found page`);
    }
    await axeScan(page, "/issuing for a learner");
    await ctx.close();
    const anon = await (await browser.newContext()).newPage();
    await anon.goto(`${server.url}/issuing`);
    await anon.waitForURL(/\/login\?next=\/issuing$/);
    await anon.context().close();
  },
]);

TESTS.push([
  "XSS corpus: vectors in issuer, achievement, award and revocation strings stay inert on every issuing page, the claim page and the learner's portal pages",
  async ({ browser, server }) => {
    const V = readVectors();
    const single = V.filter((v) => !v.includes("\n"));
    const IMG_SRC = new RegExp(`^/(achievements/${UUID}/image|issuers/[a-z0-9-]+/logo|backpack/badges/${UUID}/image)$`);
    const { ctx, page, inert } = await xssContext(browser, IMG_SRC);
    let visits = 0;
    const visit = async (p, path, trap, checks = async () => {}) => {
      const response = await p.goto(`${server.url}${path}`, { waitUntil: "load" });
      assert(response.status() === 200, `${path}: ${response.status()}`);
      await checks();
      await trap(path);
      visits++;
    };
    const plainTitle = (s) => `${s.replace(/\s+/g, " ").trim()} · Backpack`;
    const shows = async (p, where, values) => {
      const text = await p.textContent("main");
      for (const v of values) assert(text.includes(v), `${where} shows ${JSON.stringify(v)} as text`);
    };
    // Spread the corpus: every vector alone in at least one place (the
    // multi-line ones first in the multi-line places), and the whole corpus
    // in the first achievement's description.
    const anyOrder = [...V.filter((v) => v.includes("\n")), ...single];
    let nextAny = 0;
    let nextLine = 0;
    const any = () => anyOrder[nextAny++ % anyOrder.length];
    const line = (max = 200, ok = () => true) => {
      for (let i = 0; i < single.length; i++) {
        const v = single[nextLine++ % single.length];
        if (v.length <= max && v.trim() === v && ok(v)) return v;
      }
      throw new Error("no vector fits");
    };

    await login(page, server.url, server.demo.issuer_staff.email, server.demo.issuer_staff.password);
    await page.goto(`${server.url}/issuing`);
    const issuerName = line(200, (v) => /[a-z]/i.test(v));
    const issuerFields = { region: line(200), accreditation: any(), description: any() };
    const issuerPath = await post(page, "/issuing", [
      ["name", issuerName],
      ["country_code", "fr"],
      ["url", "https://xss.example/?q='onmouseover='alert(1)'"],
      ["email", "xss@example.org"],
      ["kind", "non_formal"],
      ...Object.entries(issuerFields),
    ]);
    assert(new RegExp(`^/issuing/${UUID}$`).test(issuerPath), `issuer created: ${issuerPath}`);
    await page.goto(`${server.url}${issuerPath}`);
    const achievements = [];
    for (let a = 0; a < 6; a++) {
      const f = {
        name: line(200),
        description: a === 0 ? V.join("\n\n") : any(),
        criteria: any(),
        learning_outcomes: `${line(1000)}\n${line(1000)}`,
        assessment: line(2000),
        quality_assurance: line(2000),
        prerequisites: any(),
        supervision: any(),
        grade_scheme: line(2000),
        stackability: any(),
        further_information: any(),
        skill: line(300, (v) => !v.includes("|")),
        translation: line(200, (v) => !v.includes("|")),
        translation_description: line(5000),
      };
      const path = await post(page, `${issuerPath}/achievements`, [
        ["name", f.name],
        ["description", f.description],
        ["criteria", f.criteria],
        ["achievement_type", "MicroCredential"],
        ["eu", "on"],
        ["learning_outcomes", f.learning_outcomes],
        ["ects", "1"],
        ["eqf_level", "4"],
        ["assessment", f.assessment],
        ["participation", "online"],
        ["quality_assurance", f.quality_assurance],
        ["prerequisites", f.prerequisites],
        ["supervision", f.supervision],
        ["grade_scheme", f.grade_scheme],
        ["stackability", f.stackability],
        ["further_information", f.further_information],
        ["skills", `https://esco.example/skill/${a} | ${f.skill}`],
        ["language", "en"],
        ["translations", `fr | ${f.translation} | ${f.translation_description}`],
        ["suspendable", "on"],
      ]);
      const m = path.match(new RegExp(`^/issuing/achievements/(${UUID})$`));
      assert(m, `achievement created: ${path}`);
      achievements.push({ id: m[1], ...f });
    }
    // Awards: to the demo learner (JSON and JWT), and one claim link.
    const awards = [];
    for (const [i, a] of achievements.entries()) {
      const f = { recipient_name: line(200), grade: line(100) };
      const path = await post(page, `${issuerPath}/award`, [
        ["achievement_id", a.id],
        ["recipient_kind", "email"],
        ["recipient", server.demo.learner.email],
        ["recipient_name", f.recipient_name],
        ["grade", f.grade],
        ["format", i % 2 ? "jwt" : "json"],
      ]);
      awards.push({ path, achievement: a, ...f });
    }
    await post(page, `${issuerPath}/award`, [
      ["achievement_id", achievements[0].id],
      ["recipient_kind", "email"],
      ["recipient", "xss.claim@example.org"],
      ["recipient_name", line(200)],
    ]);
    const reason = line(500);
    await post(page, `${awards[0].path}/state`, [["state", "revoked"], ["reason", reason]]);
    const suspendReason = line(500);
    await post(page, `${awards[1].path}/state`, [["state", "suspended"], ["reason", suspendReason]]);
    const used = new Set([
      issuerName,
      ...Object.values(issuerFields),
      ...achievements.flatMap((a, i) => Object.entries(a).filter(([k]) => i > 0 || k !== "description").map(([, v]) => v)),
      ...awards.flatMap((w) => [w.recipient_name, w.grade]),
      reason,
      suspendReason,
    ]);
    const unused = V.filter((v) => ![...used].some((u) => typeof u === "string" && u.includes(v)));
    assert(unused.length === 0, `vectors not placed: ${JSON.stringify(unused)}`);

    // Every issuing page that shows them.
    const trap = inert;
    await visit(page, "/issuing", trap, () => shows(page, "issuing home", [issuerName]));
    await visit(page, issuerPath, trap, async () => {
      assert((await page.textContent("h1")) === issuerName, "issuer name as text");
      assert((await page.title()) === plainTitle(issuerName), `issuer page title: ${await page.title()}`);
      assert((await page.locator("#f-name").inputValue()) === issuerName, "name in the form");
    });
    await visit(page, `${issuerPath}/achievements`, trap, () => shows(page, "achievement list", achievements.map((a) => a.name)));
    for (const a of achievements) {
      await visit(page, `/issuing/achievements/${a.id}`, trap, async () => {
        assert((await page.textContent("h1")) === a.name, `achievement name as text: ${a.name}`);
        assert((await page.title()) === plainTitle(a.name), `achievement page title: ${await page.title()}`);
        assert((await page.locator("#f-description").inputValue()) === a.description.trim(), "description in the form");
        assert((await page.locator("#f-criteria").inputValue()) === a.criteria.trim(), "criteria in the form");
      });
    }
    await visit(page, `${issuerPath}/award`, trap, async () => {
      const options = await page.locator("#f-achievement_id option").allTextContents();
      for (const a of achievements) assert(options.includes(a.name), `award form offers ${a.name}`);
    });
    await visit(page, `${issuerPath}/credentials`, trap, () => shows(page, "issued list", [...achievements.map((a) => a.name), ...awards.map((w) => w.recipient_name)]));
    for (const q of [single[0], single[5], "\"><img src=x onerror=alert(1)>"]) {
      await visit(page, `${issuerPath}/credentials?q=${encodeURIComponent(q)}&state=${encodeURIComponent(q)}&achievement=${encodeURIComponent(q)}`, trap, async () => {
        assert((await page.locator("#f-q").inputValue()) === q, "the search words stay as typed");
      });
    }
    for (const w of awards) {
      await visit(page, w.path, trap, async () => {
        assert((await page.textContent("h1")) === w.achievement.name, "achievement name as the issued page's heading");
        await shows(page, "issued page", [w.recipient_name]);
      });
    }
    await visit(page, awards[0].path, trap, () => shows(page, "revoked credential", [reason]));
    await visit(page, `${issuerPath}/audit`, trap, () => shows(page, "audit log", [reason, suspendReason]));
    const claimText = latestMail(server.dataDir, "xss.claim@example.org");
    const claimLink = claimText.match(/(http:\/\/\S+\/claim\?token=[\w-]+)/)[1];
    await visit(page, new URL(claimLink).pathname + new URL(claimLink).search, trap, () => shows(page, "claim page", [achievements[0].name]));
    await ctx.close();

    // The learner's side: Portal certificates and each credential's page.
    const learner = await xssContext(browser, IMG_SRC);
    const lp = learner.page;
    await login(lp, server.url, server.demo.learner.email, server.demo.learner.password);
    await visit(lp, "/backpack/portal", learner.inert, () => shows(lp, "portal", achievements.map((a) => a.name)));
    const links = await lp.locator("tbody a[href^='/backpack/badges/']").evaluateAll((as) => as.map((a) => [a.getAttribute("href"), a.textContent]));
    for (const a of achievements) {
      const [href] = links.find(([, name]) => name === a.name) || [];
      assert(href, `portal links ${a.name}`);
      await visit(lp, href, learner.inert, async () => {
        assert((await lp.textContent("h1")) === a.name, `portal credential name as text: ${a.name}`);
        assert((await lp.title()) === plainTitle(a.name), `portal credential title: ${await lp.title()}`);
      });
    }
    await visit(lp, "/backpack", learner.inert);
    await visit(lp, `/backpack?q=${encodeURIComponent("alert")}&area=portal`, learner.inert);
    await learner.ctx.close();
    assert(visits >= 25, `${visits} pages visited`);
    return { visits };
  },
]);

TESTS.push([
  "the accessibility scan itself catches a violation (so a clean scan means something)",
  async ({ browser, server }) => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.url}/login`);
    await page.evaluate(() => {
      document.querySelector("label[for=f-email]").remove();
      document.documentElement.removeAttribute("lang");
    });
    let caught = null;
    try {
      await axeScan(page, "a damaged page");
    } catch (e) {
      caught = String(e);
    }
    assert(caught && caught.includes("label") && caught.includes("html-has-lang"), `axe missed the damage: ${caught}`);
  },
]);

// ---------------------------------------------------------------- runner
const server = await startServer();
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
let failed = 0;
const started = Date.now();
// E2E_ONLY=words runs only the tests whose name contains them (for debugging).
const selected = TESTS.filter(([name]) => !process.env.E2E_ONLY || name.includes(process.env.E2E_ONLY));
for (const [name, fn] of selected) {
  const t0 = Date.now();
  try {
    await fn({ browser, server });
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}\n${e.stack || e}`);
  }
}
await browser.close();
server.child.kill("SIGTERM");
await new Promise((r) => server.child.on("exit", r));
if (failed) {
  console.log(server.stderr().slice(-4000));
} else {
  rmSync(server.dataDir, { recursive: true, force: true });
}
console.log(`e2e: ${selected.length - failed} passed, ${failed} failed in ${Date.now() - started} ms`);
process.exit(failed ? 1 : 0);
