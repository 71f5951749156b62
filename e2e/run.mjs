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
//   a self-check that the trap catches an injected handler.
//
// Usage: node run.mjs [path/to/backpack]   (default: ../target/debug/backpack)
// E2E_ONLY=words runs only the tests whose name contains them.
// Later issues add their pages and flows to TESTS.

import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
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

function latestMail(dataDir, to) {
  const dir = join(dataDir, "mail");
  const mails = readdirSync(dir)
    .map((f) => readFileSync(join(dir, f), "utf8"))
    .filter((t) => t.includes(`To: ${to}`));
  assert(mails.length, `no mail to ${to}`);
  const raw = mails[mails.length - 1];
  const body = raw.split(/\r?\n\r?\n/).slice(1).join("").replace(/\s/g, "");
  return Buffer.from(body, "base64").toString("utf8");
}

async function register(page, url, name, email) {
  await page.goto(`${url}/register`);
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("E-mail address").fill(email);
  await page.getByLabel("New password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create my account" }).click();
  await page.waitForURL(/\/\?done=registered$/);
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
      let url = action;
      if (multipart) {
        body = new FormData();
        for (const [k, v] of fields) {
          if (v && typeof v === "object") {
            const bytes = Uint8Array.from(atob(v.base64), (c) => c.charCodeAt(0));
            body.append(k, new File([bytes], v.filename, { type: v.type }));
          } else {
            body.append(k, v);
          }
        }
        url += `${url.includes("?") ? "&" : "?"}_csrf=${encodeURIComponent(csrf)}`;
      } else {
        body = new URLSearchParams([["_csrf", csrf], ...fields]);
      }
      const r = await fetch(url, { method: "POST", body });
      return { status: r.status, url: r.url, text: r.ok ? "" : (await r.text()).slice(0, 2000) };
    },
    { action, fields, multipart },
  );
  assert(result.status === 200, `POST ${action}: ${result.status}\n${result.text}`);
  return new URL(result.url).pathname;
}

// ---------------------------------------------------------------- tests
const TESTS = [
  [
    "a visitor registers, lands signed in, adds an address, confirms it, switches to French and logs out",
    async ({ browser, server }) => {
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      await page.goto(`${server.url}/register`);
      await page.getByLabel("Name").fill("Grace Hopper");
      await page.getByLabel("E-mail address").fill("grace@example.org");
      await page.getByLabel("New password").fill(PASSWORD);
      await page.getByRole("button", { name: "Create my account" }).click();
      await page.waitForURL(/\/\?done=registered$/);
      assert((await page.textContent("h1")) === "Your e-Backpack", "home after registration");
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

      const text = latestMail(server.dataDir, "grace@navy.example");
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
        for (const path of ["/", "/account", "/admin/users"]) {
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
    await register(page, server.url, "Tess Tester", "tess.tester@example.org");
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
    await register(page, server.url, "Nora Notes", "nora@example.org");
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
    // The page's CSP would stop inline handlers anyway: bypass it, so that
    // this test checks the escaping alone.
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
    const IMG_SRC = /^\/(backpack\/certificates\/[0-9a-f-]{36}\/preview|backpack\/badges\/[0-9a-f-]{36}\/image|files\/[0-9a-f-]{36})$/;
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
      }, IMG_SRC.source);
      assert(dialogs.length === 0 && found.length === 0, `XSS on ${label}: ${JSON.stringify([...dialogs, ...found])}`);
    };
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
    await register(page, server.url, displayName, "xavier@example.org");

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
    await page.goto(`${server.url}/register`);
    await page.getByLabel("Name").fill("Temporary Tess");
    await page.getByLabel("E-mail address").fill("tess@example.org");
    await page.getByLabel("New password").fill(PASSWORD);
    await page.getByRole("button", { name: "Create my account" }).click();
    await page.waitForURL(/done=registered/);
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
