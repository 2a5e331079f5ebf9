// Builds the accessible form controls of one question. Every control reports its response
// through `onAnswer`; the stem and options are HTML already sanitised by the question bank.

export interface ChoiceData {
  id: string;
  label?: string | null;
  html: string;
}

export interface GapData {
  id: string;
  kind: string;
  choices: ChoiceData[];
}

export interface Question {
  position: number;
  part: string;
  type: string;
  points: string;
  stem_html: string;
  choices: ChoiceData[];
  targets: ChoiceData[];
  gaps: GapData[];
}

type Answer = (response: unknown, typing?: boolean) => void;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  text = "",
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

function html(tag: "span" | "div", markup: string): HTMLElement {
  const node = document.createElement(tag);
  node.innerHTML = markup;
  return node;
}

function option(
  type: "radio" | "checkbox",
  name: string,
  value: string,
  caption: string,
  markup: string,
): { label: HTMLLabelElement; input: HTMLInputElement } {
  const label = el("label", { class: "player-option" });
  const input = el("input", { type, name, value });
  label.append(input, el("b", {}, caption + " "), html("span", markup));
  return { label, input };
}

function single(q: Question, current: unknown, onAnswer: Answer): HTMLElement {
  const box = el("div", { role: "radiogroup", "aria-label": `Phương án câu ${q.position}` });
  for (const c of q.choices) {
    const { label, input } = option("radio", `q${q.position}`, c.id, `${c.label}.`, c.html);
    input.checked = current === c.id;
    input.addEventListener("change", () => onAnswer(c.id));
    box.append(label);
  }
  return box;
}

function multiple(q: Question, current: unknown, onAnswer: Answer): HTMLElement {
  const box = el("div", { role: "group", "aria-label": `Phương án câu ${q.position}` });
  const chosen = new Set(Array.isArray(current) ? (current as string[]) : []);
  for (const c of q.choices) {
    const { label, input } = option("checkbox", `q${q.position}`, c.id, `${c.label}.`, c.html);
    input.checked = chosen.has(c.id);
    input.addEventListener("change", () => {
      if (input.checked) chosen.add(c.id);
      else chosen.delete(c.id);
      onAnswer(q.choices.map((x) => x.id).filter((id) => chosen.has(id)));
    });
    box.append(label);
  }
  return box;
}

function trueFalse(q: Question, current: unknown, onAnswer: Answer): HTMLElement {
  const box = el("div", { class: "player-tf" });
  const judged: Record<string, boolean> = { ...((current as Record<string, boolean>) ?? {}) };
  for (const s of q.choices) {
    const row = el("fieldset", { class: "player-statement" });
    const legend = el("legend");
    legend.append(el("b", {}, `${s.id}) `), html("span", s.html));
    row.append(legend);
    for (const [value, caption] of [
      [true, "Đúng"],
      [false, "Sai"],
    ] as const) {
      const { label, input } = option("radio", `q${q.position}${s.id}`, String(value), caption, "");
      input.checked = judged[s.id] === value;
      input.addEventListener("change", () => {
        judged[s.id] = value;
        onAnswer({ ...judged });
      });
      row.append(label);
    }
    box.append(row);
  }
  return box;
}

function textBox(
  q: Question,
  current: unknown,
  onAnswer: Answer,
  numeric: boolean,
  multiline: boolean,
): HTMLElement {
  const label = el("label", { class: "player-text" }, numeric ? "Đáp số: " : "Trả lời: ");
  const input = multiline
    ? el("textarea", { rows: "8", name: `q${q.position}` })
    : el("input", { type: "text", name: `q${q.position}`, autocomplete: "off" });
  if (numeric) {
    input.setAttribute("inputmode", "decimal");
    input.setAttribute("maxlength", "4");
    input.setAttribute("aria-describedby", `hint${q.position}`);
  }
  input.value = typeof current === "string" ? current : "";
  input.addEventListener("input", () => onAnswer(input.value, true));
  input.addEventListener("change", () => onAnswer(input.value));
  label.append(input);
  const box = el("div");
  box.append(label);
  if (numeric) {
    box.append(
      el("p", { id: `hint${q.position}`, class: "player-hint" }, "Tối đa 4 kí tự: chữ số, dấu trừ, dấu phẩy (ví dụ -1,5)."),
    );
  }
  return box;
}

function selects(
  q: Question,
  rows: ChoiceData[],
  options: ChoiceData[],
  current: Record<string, string>,
  onChange: (values: Record<string, string>) => void,
): HTMLElement {
  const box = el("div", { class: "player-selects" });
  const values = { ...current };
  for (const row of rows) {
    const label = el("label");
    label.append(html("span", row.html));
    const select = el("select", { name: `q${q.position}-${row.id}` });
    select.append(el("option", { value: "" }, "—"));
    for (const o of options) {
      const opt = el("option", { value: o.id }, o.label ?? o.id);
      opt.selected = values[row.id] === o.id;
      select.append(opt);
    }
    select.addEventListener("change", () => {
      if (select.value) values[row.id] = select.value;
      else delete values[row.id];
      onChange({ ...values });
    });
    label.append(select);
    box.append(label);
  }
  return box;
}

export function controls(q: Question, current: unknown, onAnswer: Answer): HTMLElement {
  switch (q.type) {
    case "single_choice":
      return single(q, current, onAnswer);
    case "multiple_response":
      return multiple(q, current, onAnswer);
    case "true_false_cluster":
      return trueFalse(q, current, onAnswer);
    case "short_numeric":
      return textBox(q, current, onAnswer, true, false);
    case "short_text":
      return textBox(q, current, onAnswer, false, false);
    case "essay":
      return textBox(q, current, onAnswer, false, true);
    case "matching":
      return selects(q, q.choices, q.targets.map((t, i) => ({ ...t, label: String.fromCharCode(65 + i) })),
        (current as Record<string, string>) ?? {}, onAnswer);
    case "ordering": {
      const slots = q.choices.map((_c, i) => ({ id: String(i + 1), html: `Vị trí ${i + 1}` }));
      const order = Array.isArray(current) ? (current as string[]) : [];
      const byPlace: Record<string, string> = {};
      order.forEach((id, i) => (byPlace[String(i + 1)] = id));
      return selects(q, slots, q.choices, byPlace, (values) =>
        onAnswer(slots.map((s) => values[s.id] ?? "")),
      );
    }
    case "cloze": {
      const box = el("div");
      const values: Record<string, string> = { ...((current as Record<string, string>) ?? {}) };
      for (const gap of q.gaps) {
        const label = el("label", {}, `Chỗ trống ${gap.id}: `);
        if (gap.kind === "choice") {
          const select = el("select", { name: `q${q.position}-${gap.id}` });
          select.append(el("option", { value: "" }, "—"));
          for (const c of gap.choices) {
            const opt = el("option", { value: c.id }, c.html.replace(/<[^>]+>/g, ""));
            opt.selected = values[gap.id] === c.id;
            select.append(opt);
          }
          select.addEventListener("change", () => {
            values[gap.id] = select.value;
            onAnswer({ ...values });
          });
          label.append(select);
        } else {
          const input = el("input", { type: "text", name: `q${q.position}-${gap.id}` });
          input.value = values[gap.id] ?? "";
          input.addEventListener("input", () => {
            values[gap.id] = input.value;
            onAnswer({ ...values }, true);
          });
          label.append(input);
        }
        box.append(label);
      }
      return box;
    }
    default:
      return el("p", {}, "Dạng câu hỏi chưa hỗ trợ.");
  }
}

export { el, html };
