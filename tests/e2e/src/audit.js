// The accessibility audit the end-to-end tests run in each page, as rendered (WCAG 2.2): every
// visible text's contrast against what is painted behind it (1.4.3: 4.5:1, or 3:1 for large
// text), the focus ring against every surface (1.4.11: 3:1), every control's accessible name
// (4.1.2), every ARIA or label reference pointing at an element that exists, no id used twice,
// and no sideways scrolling (1.4.10). Returns one line per problem.
const problems = [];
const where = (el) => {
  let path = el.tagName.toLowerCase();
  if (el.id) return `${path}#${el.id}`;
  if (el.classList.length) path += "." + [...el.classList].join(".");
  const parent = el.parentElement;
  return parent && parent !== document.body ? `${where(parent)} > ${path}` : path;
};
const rgba = (css) => {
  const m = /rgba?\(([^)]*)\)/.exec(css);
  if (!m) return null;
  const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
  return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
};
const over = (top, under) => {
  const a = top[3];
  return [0, 1, 2].map((i) => top[i] * a + under[i] * (1 - a)).concat(1);
};
const luminance = (c) => {
  const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
};
const ratio = (a, b) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
};
// The canvas takes the root's background, or the body's when the root has none.
const painted = (el) => {
  const c = rgba(getComputedStyle(el).backgroundColor);
  return c && c[3] > 0 ? c : null;
};
const canvas = over(painted(document.documentElement) || painted(document.body) || [255, 255, 255, 1], [255, 255, 255, 1]);
// The colour painted behind `el`: its ancestors' backgrounds composed from the canvas up, or
// null where an image or gradient makes it unknowable.
const behind = (el) => {
  const chain = [];
  for (let e = el; e; e = e.parentElement) chain.push(e);
  let color = canvas;
  for (const e of chain.reverse()) {
    if (getComputedStyle(e).backgroundImage !== "none") return null;
    const c = painted(e);
    if (c) color = over(c, color);
  }
  return color;
};
const visible = (el) => {
  if (!el.getClientRects().length) return false;
  const style = getComputedStyle(el);
  return style.visibility !== "hidden" && Number(style.opacity) > 0;
};

// Contrast of every visible text, judged on the element that holds it.
const checked = new Set();
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const el = node.parentElement;
  if (!el || checked.has(el) || !node.textContent.trim() || !visible(el)) continue;
  checked.add(el);
  if (el.closest("svg, option, [disabled], [aria-hidden=true]")) continue;
  const style = getComputedStyle(el);
  const fg = rgba(style.color);
  const bg = behind(el);
  if (!fg || !bg) continue;
  const size = parseFloat(style.fontSize);
  const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
  const needed = large ? 3 : 4.5;
  const got = ratio(over(fg, bg), bg);
  if (got < needed) {
    const text = node.textContent.trim().slice(0, 40);
    problems.push(`contrast ${got.toFixed(2)}:1 < ${needed}:1 at ${where(el)} ("${text}": ${style.color} on rgb(${bg.slice(0, 3).map(Math.round)}))`);
  }
}

// Text drawn in the sequence diagram: its fill against the panel behind the SVG.
for (const text of document.querySelectorAll("svg text")) {
  if (!visible(text) || !text.textContent.trim()) continue;
  const fill = rgba(getComputedStyle(text).fill);
  const bg = behind(text.closest("svg").parentElement);
  if (!fill || !bg) continue;
  const got = ratio(over(fill, bg), bg);
  if (got < 4.5) {
    problems.push(`contrast ${got.toFixed(2)}:1 < 4.5:1 in the diagram ("${text.textContent.trim().slice(0, 40)}")`);
  }
}

// The keyboard's focus ring stands out from every surface it can be drawn on (1.4.11: 3:1).
const token = (name) => {
  const probe = document.createElement("span");
  probe.style.color = `var(${name})`;
  document.body.append(probe);
  const color = rgba(getComputedStyle(probe).color);
  probe.remove();
  return color;
};
const focus = token("--focus");
for (const surface of ["--bg", "--panel", "--code-bg", "--pass-bg", "--fail-bg", "--warn-bg"]) {
  const got = ratio(focus, token(surface));
  if (got < 3) problems.push(`focus ring ${got.toFixed(2)}:1 < 3:1 on ${surface}`);
}

// Every control has an accessible name.
const named = (el) => {
  const label = el.getAttribute("aria-label");
  if (label && label.trim()) return true;
  const by = el.getAttribute("aria-labelledby");
  if (by && by.split(/\s+/).some((id) => document.getElementById(id)?.textContent.trim())) return true;
  if (el.labels && [...el.labels].some((l) => l.textContent.trim())) return true;
  if (el.matches("button, a, summary, [role=button], [role=tab]") && el.textContent.trim()) return true;
  if (el.matches("input[type=button], input[type=submit]") && el.value.trim()) return true;
  return Boolean(el.getAttribute("title")?.trim());
};
const controls = "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [role=tab], [tabindex]:not([tabindex='-1'])";
for (const el of document.querySelectorAll(controls)) {
  if (visible(el) && !named(el)) problems.push(`no accessible name: ${where(el)}`);
}

// References point at elements that exist; no id is used twice.
for (const attr of ["aria-labelledby", "aria-describedby", "aria-controls", "for"]) {
  for (const el of document.querySelectorAll(`[${attr}]`)) {
    for (const id of el.getAttribute(attr).split(/\s+/).filter(Boolean)) {
      if (!document.getElementById(id)) problems.push(`${attr}="${id}" names no element: ${where(el)}`);
    }
  }
}
const ids = new Map();
for (const el of document.querySelectorAll("[id]")) ids.set(el.id, (ids.get(el.id) || 0) + 1);
for (const [id, n] of ids) if (n > 1) problems.push(`id "${id}" is used ${n} times`);

// Nothing makes the page scroll sideways (1.4.10, reflow): wide tables and code scroll inside
// their own boxes. The layout width leaves out the scroll bar.
const room = document.documentElement.clientWidth;
const wide = document.documentElement.scrollWidth;
if (wide > room + 1) {
  const past = (el) => el.getBoundingClientRect().right > room + 1;
  const clipped = (el) => {
    for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
      if (getComputedStyle(e).overflowX !== "visible") return true;
    }
    return false;
  };
  const all = [...document.body.querySelectorAll("*")].filter((el) => visible(el) && !clipped(el));
  // The outermost elements that stick out, leaving out what scrolls inside its own box; else
  // the innermost whose own text overflows it.
  let culprits = all.filter((el) => past(el) && !past(el.parentElement));
  if (!culprits.length) culprits = all.filter((el) => el.scrollWidth > el.clientWidth + 1).slice(-1);
  culprits = culprits.slice(0, 3).map(where);
  problems.push(`the page is ${wide}px wide in ${room}px: ${culprits.join(", ")}`);
}

return problems;
