// End-to-end tests of the Backpack server in a real headless browser.
//
// Starts `backpack serve --demo` on a fresh data folder and port 0, then
// drives Debian's chromium through playwright-core: register, log in, add an
// e-mail address, switch language, log out, keyboard use; and scans every
// page with axe-core (WCAG 2.0/2.1/2.2 A and AA rules): zero violations.
//
// Usage: node run.mjs [path/to/backpack]   (default: ../target/debug/backpack)
// Later issues add their pages to PAGES and their flows to TESTS.

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
  "a learner imports a baked badge, sees it verified check by check, and the pages pass axe",
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
    await axeScan(page, "/backpack/badges (empty)");
    await page.getByLabel("Badge file").setInputFiles(join(dir, "baked.png"));
    await page.getByRole("button", { name: "Import and verify" }).click();
    await page.waitForURL(/done=badge_imported/);
    assert((await page.getByRole("status").first().textContent()).includes("imported"), "notice");
    assert((await page.textContent(".verdict-box")).includes("Verified"), "verified verdict");
    const rows = await page.getByRole("row").allTextContents();
    assert(rows.some((r) => r.includes("Signature") && r.includes("Passed")), `signature row: ${rows}`);
    await axeScan(page, "/backpack/badges/{id}");
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
  "a learner downloads all their data, then deletes the account after confirming",
  async ({ browser, server }) => {
    const ctx = await browser.newContext({ acceptDownloads: true });
    const page = await ctx.newPage();
    await page.goto(`${server.url}/register`);
    await page.getByLabel("Name").fill("Temporary Tess");
    await page.getByLabel("E-mail address").fill("tess@example.org");
    await page.getByLabel("New password").fill(PASSWORD);
    await page.getByRole("button", { name: "Create my account" }).click();
    await page.waitForURL(/done=registered/);
    await page.goto(`${server.url}/account`);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download all my data" }).click(),
    ]);
    assert(download.suggestedFilename() === "backpack-export.tar", download.suggestedFilename());
    const { readFileSync: read } = await import("node:fs");
    const tar = read(await download.path());
    assert(tar.includes(Buffer.from('"format": "backpack-export"')), "the archive holds the index");
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
for (const [name, fn] of TESTS) {
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
console.log(`e2e: ${TESTS.length - failed} passed, ${failed} failed in ${Date.now() - started} ms`);
process.exit(failed ? 1 : 0);
