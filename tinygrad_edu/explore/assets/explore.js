/* tinygrad-edu explore: the page.
 *
 * Two parts. render({model, el}) is the view: it draws into el and talks to the training
 * run only through a small model object, as a notebook widget's would be (anywidget's
 * get / set / on / send), so the same view could be hosted in a notebook later:
 *   model.get("state")            everything the server sent after the last change
 *   model.get("urls")             where the step-through page, a graph and the weights live
 *   model.on("change:state", f)   a new state arrived
 *   model.on("change:error", f)   a request was refused (the reason, one line)
 *   model.on("msg:custom", f)     an answer to a message: {kind: "compare" | "python", ...}
 *   model.send({kind, ...})       step {n}, settings {settings}, reset, focus {point},
 *                                 compare, python
 * httpModel(token) is this page's host: the model over the local server's HTTP API, one
 * request at a time, and the settings kept in the URL's #fragment (the same URL gives the
 * same run). Nothing is fetched from anywhere but the server that sent this page.
 */
"use strict";

(function () {
  const NEG = [245, 147, 34];
  const POS = [8, 119, 189];
  const PALETTE = [NEG, POS, [46, 125, 50], [142, 36, 170], [198, 40, 40], [0, 131, 143],
    [121, 85, 72], [96, 125, 139], [251, 192, 45], [233, 30, 99]];
  const LAYER_COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02"];
  const LR_STEPS = [1e-5, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
  const L2_STEPS = [0, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1];
  const SPEEDS = [1, 5, 20];
  const IN_FLIGHT = 2;  // step requests on their way while running
  const UNIT = 34;
  const COLUMN = 118;
  const ROW = 46;
  const TOP = 34;

  // --- small helpers ---------------------------------------------------------------------

  function h(tag, props, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (k === "text") e.textContent = v;
      else if (k === "class") e.className = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c);
    return e;
  }
  function svg(tag, attrs) {
    const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    return e;
  }
  function num(x, digits = 4) {
    if (x === null || x === undefined) return "nan";
    if (x === 0) return "0";
    const a = Math.abs(x);
    const s = (a >= 1e-3 && a < 1e5) ? String(Number(x.toPrecision(digits))) : x.toExponential(digits - 1);
    return s.replace("-", "−");
  }
  function paren(x) { return x < 0 ? "(" + num(x) + ")" : num(x); }
  function mix(a, b, t) { return a.map((v, i) => Math.round(v + (b[i] - v) * t)); }
  function valueColour(v) {  // v in [−1, 1]: orange … white … blue
    return v < 0 ? mix([255, 255, 255], NEG, Math.min(1, -v)) : mix([255, 255, 255], POS, Math.min(1, v));
  }
  function bytes(b64) {
    const s = atob(b64);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  function paintMap(canvas, size, colourAt) {
    // (setting a canvas's size, even to the same number, makes it a new bitmap)
    if (canvas.width !== size) canvas.width = size;
    if (canvas.height !== size) canvas.height = size;
    const ctx = canvas.getContext("2d");
    const img = ctx.createImageData(size, size);
    const d = img.data;
    for (let i = 0; i < size * size; i++) {
      const c = colourAt(i);
      d[4 * i] = c[0];
      d[4 * i + 1] = c[1];
      d[4 * i + 2] = c[2];
      d[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }
  function unitName(sizes, l, j) {  // l = 0: the inputs
    if (l === sizes.length - 1) return sizes[l] === 1 ? "o" : "o" + (j + 1);
    return "h" + l + "_" + (j + 1);
  }

  // --- the view ---------------------------------------------------------------------------

  function render({ model, el }) {
    const ui = {};
    let running = false;
    let lastSettings = "";
    let refused = false;  // after a refusal every control shows the run's settings again
    let lastShape = "";
    let sentAt = 0;
    let speed = 1;
    const timings = [];
    const stats = { frames: 0, paintMs: [] };
    // step request -> painted frame in ms, and the frames drawn (the benchmark reads them)
    el.exploreTimings = timings;
    el.exploreStats = stats;

    function send(msg) { model.send(msg); }
    function setting(key, value) { send({ kind: "settings", settings: { [key]: value } }); }

    // header: the run's controls
    ui.play = h("button", { id: "play", class: "primary", title: "play / pause", onclick: () => toggle() }, "▶");
    ui.epoch = h("b", { id: "epoch", class: "counter" }, "0");
    ui.steps = h("b", { id: "steps", class: "counter" }, "0");
    ui.lr = h("input", { id: "lr", type: "range", min: 0, max: LR_STEPS.length - 1, step: 1 });
    ui.lrText = h("b", { id: "lr-value" });
    ui.lr.addEventListener("input", () => {
      ui.lrText.textContent = String(LR_STEPS[ui.lr.value]);
      setting("lr", LR_STEPS[ui.lr.value]);
    });
    ui.momentum = h("input", { id: "momentum", type: "range", min: 0, max: 0.99, step: 0.01 });
    ui.momentumText = h("b");
    ui.momentum.addEventListener("change", () => setting("momentum", Number(ui.momentum.value)));
    ui.momentum.addEventListener("input", () => { ui.momentumText.textContent = ui.momentum.value; });
    ui.l2 = h("select", { id: "l2", onchange: () => setting("l2", Number(ui.l2.value)) },
      ...L2_STEPS.map((v) => h("option", { value: v }, String(v))));
    ui.batch = h("input", { id: "batch", type: "number", min: 1, max: 5000,
      onchange: () => setting("batch", Number(ui.batch.value)) });
    ui.activation = h("select", { id: "activation", onchange: () => setting("activation", ui.activation.value) });
    ui.output = h("select", { id: "output-activation", onchange: () => setting("output", ui.output.value) });
    ui.engine = h("select", { id: "engine", onchange: () => setting("engine", ui.engine.value) });
    ui.speed = h("select", { id: "speed", onchange: () => { speed = Number(ui.speed.value); } },
      ...SPEEDS.map((v) => h("option", { value: v }, v + " step" + (v > 1 ? "s" : "") + " a frame")));
    const control = (label, ...inputs) => h("label", { class: "control" }, label, ...inputs);
    el.append(h("header", {},
      h("h1", {}, "tinygrad-edu explore"),
      h("div", { class: "row" },
        h("button", { id: "reset", title: "start again", onclick: () => send({ kind: "reset" }) }, "⟲"),
        ui.play,
        h("button", { id: "step", title: "one step", onclick: () => { stop(); stepOnce(); } }, "step")),
      control("epoch", ui.epoch), control("step", ui.steps),
      control(h("span", {}, "learning rate ", ui.lrText), ui.lr),
      control(h("span", {}, "momentum ", ui.momentumText), ui.momentum),
      control("L2 (weight decay)", ui.l2), control("batch size", ui.batch),
      control("hidden activation", ui.activation), control("output", ui.output),
      control("engine", ui.engine), control("speed", ui.speed)));

    // left: data and features
    ui.dataset = h("select", { id: "dataset", onchange: () => setting("dataset", ui.dataset.value) });
    ui.classes = h("input", { id: "classes", type: "number", min: 2, max: 10,
      onchange: () => setting("classes", Number(ui.classes.value)) });
    ui.points = h("input", { id: "points", type: "number", min: 4, max: 5000,
      onchange: () => setting("points", Number(ui.points.value)) });
    ui.noise = h("input", { id: "noise", type: "range", min: 0, max: 0.5, step: 0.01,
      onchange: () => setting("noise", Number(ui.noise.value)) });
    ui.test = h("input", { id: "test", type: "range", min: 0, max: 0.9, step: 0.1,
      onchange: () => setting("test", Number(ui.test.value)) });
    ui.seed = h("input", { id: "seed", type: "number", min: 0,
      onchange: () => setting("seed", Number(ui.seed.value)) });
    ui.features = h("div", { class: "features" });
    const left = h("section", { class: "data" },
      h("h2", {}, "Data"),
      h("label", {}, "data set", ui.dataset), h("label", {}, "classes (spirals)", ui.classes),
      h("label", {}, "points", ui.points), h("label", {}, "noise", ui.noise),
      h("label", {}, "test share", ui.test), h("label", {}, "seed", ui.seed),
      h("button", { id: "regenerate", onclick: () => setting("seed", Number(ui.seed.value) + 1) }, "regenerate"),
      h("h2", {}, "Features"), ui.features);

    // middle: the network
    ui.layers = h("div", { class: "layers" });
    ui.net = h("div", { id: "net" });
    ui.info = h("div", { id: "info" }, "Hover a unit for its numbers on the chosen point; click an edge for its weight.");
    ui.error = h("div", { id: "error", role: "alert" });
    ui.check = h("div", { id: "check" });
    ui.deltaCurve = h("canvas", { class: "curve", id: "delta-curve", width: 600, height: 180 });
    ui.gradCurve = h("canvas", { class: "curve", id: "grad-curve", width: 600, height: 180 });
    ui.legend = h("div", { class: "legend" });
    const middle = h("section", {}, h("h2", {}, "Network"), ui.layers, ui.net, ui.error, ui.info,
      h("div", { class: "pair" },
        h("div", {}, h("h2", {}, h("span", { class: "symbol" }, "‖δ‖"), " per layer (log scale)"), ui.deltaCurve),
        h("div", {}, h("h2", {}, h("span", { class: "symbol" }, "‖∂E/∂W‖"), " per layer (log scale)"), ui.gradCurve)),
      ui.legend,
      h("h2", {}, "Check the maths (on pause)"),
      h("div", { class: "row" }, h("button", { id: "check-now", onclick: () => send({ kind: "compare" }) }, "check now")),
      ui.check);

    // right: output, losses, curves, checks
    ui.output_canvas = h("canvas", { id: "output", width: 300, height: 300 });
    ui.output_canvas.addEventListener("click", pickPoint);
    ui.showTest = h("input", { id: "show-test", type: "checkbox", onchange: () => paintOutput() });
    ui.discrete = h("input", { id: "discretize", type: "checkbox", onchange: () => paintOutput() });
    ui.train = h("span", { id: "train-loss" });
    ui.testLoss = h("span", { id: "test-loss" });
    ui.lossCurve = h("canvas", { class: "curve", id: "loss-curve", width: 600, height: 180 });
    ui.pointLinks = h("div", { class: "row" });
    ui.graph = h("img", { id: "graph", alt: "", class: "hidden" });
    ui.python = h("pre", { id: "python", class: "hidden" });
    const right = h("section", {},
      h("h2", {}, "Output"), ui.output_canvas,
      h("div", { class: "row" }, h("label", {}, ui.showTest, " test points"), h("label", {}, ui.discrete, " discretize")),
      h("div", { class: "losses" }, h("span", {}, "train ", ui.train), h("span", {}, "test ", ui.testLoss)),
      ui.lossCurve,
      h("h2", {}, "The chosen point (click one)"), ui.pointLinks, ui.graph,
      h("h2", {}, "Keep it"),
      h("div", { class: "row" },
        h("a", { id: "weights", href: model.get("urls").weights, download: "weights.npz" }, "weights (.npz)"),
        h("button", { id: "copy-python", onclick: () => send({ kind: "python" }) }, "copy as Python")),
      ui.python);
    el.append(h("main", {}, left, middle, right));

    // --- running ---------------------------------------------------------------------------
    // While running, IN_FLIGHT step requests are on their way: the server computes the next
    // step while the page draws this one, and each animation frame draws the newest state.
    let pending = 0;
    let scheduled = false;
    function stepOnce() {
      if (!running) sentAt = performance.now();
      pending += 1;
      send({ kind: "step", n: speed });
    }
    function stop() {
      if (!running) return;
      running = false;
      ui.play.textContent = "▶";
      send({ kind: "compare" });
    }
    function toggle() {
      if (running) { stop(); return; }
      running = true;
      ui.play.textContent = "❚❚";
      while (pending < IN_FLIGHT) stepOnce();
    }
    function arrived() {
      const s = model.get("state");
      if (s && s.reply === "step") pending = Math.max(0, pending - 1);
      while (running && pending < IN_FLIGHT) stepOnce();
      if (!scheduled) { scheduled = true; requestAnimationFrame(draw); }
    }
    function draw() {
      scheduled = false;
      const start = performance.now();
      paint();
      stats.paintMs.push(performance.now() - start);
      stats.frames += 1;
      if (sentAt) { timings.push(performance.now() - sentAt); sentAt = 0; }
    }

    // --- painting --------------------------------------------------------------------------
    function paint() {
      const s = model.get("state");
      if (!s) return;
      ui.epoch.textContent = s.epoch.toFixed(2);
      ui.steps.textContent = String(s.steps);
      setLoss(ui.train, s.loss.train);
      setLoss(ui.testLoss, s.loss.test);
      const settings = JSON.stringify(s.settings);
      if (settings !== lastSettings) { lastSettings = settings; fillControls(s); }
      const shape = JSON.stringify([s.sizes, s.settings.features]);
      if (shape !== lastShape) { lastShape = shape; buildNetwork(s); }
      paintNetwork(s);
      paintOutput();
      paintCurves(s);
      paintPointLinks(s);
    }
    function setLoss(span, v) {
      span.textContent = v === null ? "nan" : v.toFixed(6);
      span.dataset.value = v === null ? "nan" : String(v);
    }
    function fillOptions(select, values, labels) {
      if (select.options.length === values.length) return;
      select.replaceChildren(...values.map((v) => h("option", { value: v }, labels ? labels[v] : v)));
    }
    function fillControls(s) {
      const c = s.choices, st = s.settings;
      // A control the learner is typing in or dragging keeps what they put there: a state
      // answering an earlier change must not overwrite it (its own change follows).
      const all = refused;
      refused = false;
      const keep = (el) => !all && el === document.activeElement;
      const put = (el, v) => { if (!keep(el)) el.value = v; };
      const menus = [[ui.dataset, "datasets", "dataset"], [ui.activation, "activations", "activation"],
        [ui.output, "outputs", "output"], [ui.engine, "engines", "engine"]];
      for (const [el, choices, key] of menus) { fillOptions(el, c[choices]); put(el, st[key]); }
      let i = LR_STEPS.indexOf(st.lr);
      if (i < 0) i = LR_STEPS.findIndex((v) => v >= st.lr);
      if (!keep(ui.lr)) {
        ui.lr.value = i < 0 ? LR_STEPS.length - 1 : i;
        ui.lrText.textContent = String(st.lr);
      }
      if (!keep(ui.momentum)) {
        ui.momentum.value = st.momentum;
        ui.momentumText.textContent = String(st.momentum);
      }
      for (const key of ["l2", "batch", "classes", "points", "noise", "test", "seed"]) put(ui[key], String(st[key]));
      ui.features.replaceChildren(...Object.entries(c.features).map(([name, text]) => {
        const box = h("input", { type: "checkbox", "data-feature": name });
        box.checked = st.features.includes(name);
        box.addEventListener("change", () => {
          const chosen = Object.keys(c.features).filter((f) =>
            ui.features.querySelector(`[data-feature="${f}"]`).checked);
          setting("features", chosen);
        });
        return h("label", {}, box, " " + text);
      }));
    }

    // the network: units as small canvases, edges as SVG paths under them
    function position(s, l, j) {
      const n = s.sizes[l];
      const tallest = Math.max(...s.sizes);
      const offset = (tallest - n) * ROW / 2;
      return [12 + l * COLUMN, TOP + offset + j * ROW];
    }
    function buildNetwork(s) {
      const sizes = s.sizes;
      const tallest = Math.max(...sizes);
      const width = 12 + (sizes.length - 1) * COLUMN + UNIT + 24;
      const height = TOP + tallest * ROW + 10;
      ui.net.replaceChildren();
      ui.net.style.height = height + "px";
      ui.svg = svg("svg", { width, height });
      ui.net.append(ui.svg);
      ui.edges = [];
      ui.units = [];
      ui.biases = [];
      for (let l = 1; l < sizes.length; l++) {
        for (let j = 0; j < sizes[l]; j++) {
          for (let i = 0; i < sizes[l - 1]; i++) {
            const [x0, y0] = position(s, l - 1, i), [x1, y1] = position(s, l, j);
            const d = `M${x0 + UNIT},${y0 + UNIT / 2} C${(x0 + UNIT + x1) / 2},${y0 + UNIT / 2} ${(x0 + UNIT + x1) / 2},${y1 + UNIT / 2} ${x1},${y1 + UNIT / 2}`;
            const edge = svg("path", { d, class: "edge" });
            const hit = svg("path", { d, class: "hit", "data-weight": `${l},${j},${i}` });
            hit.addEventListener("click", () => showWeight(l, j, i, false));
            hit.addEventListener("mouseenter", () => showWeight(l, j, i, false));
            ui.svg.append(edge, hit);
            ui.edges.push([edge, l, j, i]);
          }
        }
      }
      const features = s.settings.features;
      for (let l = 0; l < sizes.length; l++) {
        const row = [];
        if (l > 0) {
          const head = h("div", { class: "layerhead" });
          head.style.left = (12 + l * COLUMN - 30) + "px";
          head.style.top = "0px";
          head.style.width = (UNIT + 60) + "px";
          if (l < sizes.length - 1) {
            head.append(
              h("button", { title: "one unit less", "data-layer": l, class: "minus",
                onclick: () => widths(l, -1) }, "−"),
              ` ${sizes[l]} `,
              h("button", { title: "one unit more", "data-layer": l, class: "plus",
                onclick: () => widths(l, +1) }, "+"));
          } else head.append(`output ${sizes[l]}`);
          ui.net.append(head);
        }
        for (let j = 0; j < sizes[l]; j++) {
          const [x, y] = position(s, l, j);
          const c = h("canvas", { class: "unit", "data-unit": `${l},${j}`,
            title: l === 0 ? s.choices.features[features[j]] : unitName(sizes, l, j) });
          c.style.left = x + "px";
          c.style.top = y + "px";
          c.style.width = UNIT + "px";
          c.style.height = UNIT + "px";
          c.addEventListener("mouseenter", () => showUnit(l, j));
          ui.net.append(c);
          row.push(c);
          if (l > 0 && s.weights[l - 1][1]) {
            const b = h("div", { class: "bias", "data-bias": `${l},${j}`, title: "bias" });
            b.style.left = (x - 11) + "px";
            b.style.top = (y + UNIT - 9) + "px";
            b.addEventListener("click", () => showWeight(l, j, -1, true));
            b.addEventListener("mouseenter", () => showWeight(l, j, -1, true));
            ui.net.append(b);
            ui.biases.push([b, l, j]);
          }
        }
        ui.units.push(row);
      }
      ui.layers.replaceChildren("hidden layers: ",
        h("button", { id: "layer-minus", onclick: () => layers(-1) }, "−"),
        ` ${sizes.length - 2} `,
        h("button", { id: "layer-plus", onclick: () => layers(+1) }, "+"));
    }
    function widths(l, change) {
      const hidden = model.get("state").settings.hidden.slice();
      hidden[l - 1] = Math.max(1, hidden[l - 1] + change);
      setting("hidden", hidden);
    }
    function layers(change) {
      const hidden = model.get("state").settings.hidden.slice();
      if (change > 0) hidden.push(hidden.length ? hidden[hidden.length - 1] : 4);
      else hidden.pop();
      setting("hidden", hidden);
    }
    function paintNetwork(s) {
      const maps = s.heatmaps;
      ui.units.forEach((row, l) => row.forEach((c, j) => {
        const b = bytes(maps.units[l][j]);
        paintMap(c, maps.unitGrid, (i) => valueColour(b[i] / 127.5 - 1));
        c.classList.toggle("saturated", l > 0 && s.saturated[l - 1][j]);
      }));
      let biggest = 1e-12;
      for (const [W] of s.weights) for (const r of W) for (const w of r) biggest = Math.max(biggest, Math.abs(w ?? 0));
      for (const [edge, l, j, i] of ui.edges) {
        const w = s.weights[l - 1][0][j][i] ?? 0;
        edge.setAttribute("stroke", `rgb(${(w < 0 ? NEG : POS).join(",")})`);
        edge.setAttribute("stroke-width", (0.5 + 7 * Math.abs(w) / biggest).toFixed(2));
        edge.setAttribute("stroke-opacity", (0.25 + 0.75 * Math.abs(w) / biggest).toFixed(2));
      }
      for (const [box, l, j] of ui.biases) {
        const b = s.weights[l - 1][1][j] ?? 0;
        box.style.backgroundColor = `rgb(${valueColour(b / biggest).join(",")})`;
      }
    }

    // the numbers behind a unit and a weight
    function showUnit(l, j) {
      const s = model.get("state");
      const sizes = s.sizes;
      const p = s.focus;
      if (l === 0) {
        const f = s.settings.features[j];
        ui.info.textContent = `${s.choices.features[f]} = ${num(s.units[0].x[j])} at point #${p}`;
        return;
      }
      const u = s.units[l - 1];
      const act = s.activations[l - 1];
      const W = s.weights[l - 1][0][j], b = s.weights[l - 1][1] ? s.weights[l - 1][1][j] : null;
      const name = unitName(sizes, l, j);
      const names = l === 1 ? s.settings.features.map((f) => s.choices.features[f])
        : u.x.map((_, i) => unitName(sizes, l - 1, i));
      const terms = W.map((w, i) => `${paren(w)}·${paren(u.x[i])}`);
      if (b !== null) terms.push(paren(b));
      const lines = [
        `${name} on point #${p}  (${act})`,
        `net = Σ w·x${b !== null ? " + b" : ""}   (x: ${names.join(", ")})`,
        `    = ${terms.join(" + ")} = ${num(u.net[j], 6)}`,
        `O = f(net) = ${s.ops[act].formula.split(" = ")[0].replace("net", num(u.net[j]))} = ${num(u.out[j], 6)}`,
      ];
      const op = s.ops[act];
      if (l === sizes.length - 1) {
        const t = u.t[j];
        if (u.fprime === null) {
          lines.push(`δ = O − t = ${num(u.out[j])} − ${paren(t)} = ${num(u.delta[j], 6)}   (cross-entropy)`);
        } else {
          lines.push(`f′(net) = ${op.derivative.replaceAll("{O}", "O").replaceAll("{net}", "net")} = ${num(u.fprime[j], 6)}`);
          lines.push(`δ = (O − t) · f′(net) = (${num(u.out[j])} − ${paren(t)}) · ${paren(u.fprime[j])} = ${num(u.delta[j], 6)}`);
        }
      } else {
        const next = s.units[l], Wn = s.weights[l][0];
        const sum = next.delta.map((d, k) => `${paren(Wn[k][j])}·${paren(d)}`).join(" + ");
        lines.push(`f′(net) = ${op.derivative.replaceAll("{O}", "O").replaceAll("{net}", "net")} = ${num(u.fprime[j], 6)}`);
        lines.push(`δ = f′(net) · Σ_k w_k·δ_k = ${paren(u.fprime[j])} · (${sum}) = ${num(u.delta[j], 6)}`);
      }
      lines.push("(δ = ∂E/∂net of the notes' E on this one point)");
      ui.info.textContent = lines.join("\n");
      ui.info.dataset.unit = `${l},${j}`;
      for (const c of ui.net.querySelectorAll(".unit.hover")) c.classList.remove("hover");
      ui.units[l][j].classList.add("hover");
    }
    function showWeight(l, j, i, bias) {
      const s = model.get("state");
      const sizes = s.sizes;
      const value = bias ? s.weights[l - 1][1][j] : s.weights[l - 1][0][j][i];
      const g = s.grads ? (bias ? s.grads[l - 1][1][j] : s.grads[l - 1][0][j][i]) : null;
      const from = bias ? "bias" : (l === 1 ? s.choices.features[s.settings.features[i]] : unitName(sizes, l - 1, i));
      const label = bias ? `b${l}[${j + 1}]` : `W${l}[${j + 1},${i + 1}]`;
      ui.info.textContent = `${label}: ${from} → ${unitName(sizes, l, j)}\nvalue = ${num(value, 6)}\n` +
        (g === null ? "∂E/∂w: none yet (no step taken)" : `∂E/∂w = ${num(g, 6)}   (the last step's batch, before its update)`);
      ui.info.dataset.weight = label;
      ui.info.dataset.value = String(value);
      ui.info.dataset.grad = g === null ? "" : String(g);
    }

    // the output: a heatmap with the points
    function toPixel(s, x, y) {
      const [x0, x1, y0, y1] = s.bounds;
      return [(x - x0) / (x1 - x0) * 300, (y1 - y) / (y1 - y0) * 300];
    }
    function pointColour(s, label) {
      if (s.points.classes === 0) return valueColour(Math.max(-1, Math.min(1, label)));
      if (s.points.classes === 2) return label ? POS : NEG;
      return PALETTE[label % PALETTE.length];
    }
    function paintOutput() {
      const s = model.get("state");
      if (!s) return;
      const o = s.heatmaps.output, size = s.heatmaps.outputGrid;
      const off = document.createElement("canvas");
      const discrete = ui.discrete.checked;
      if (o.kind === "classes") {
        const cls = bytes(o.cls), p = bytes(o.p);
        paintMap(off, size, (i) => mix([255, 255, 255], PALETTE[cls[i] % PALETTE.length], discrete ? 0.6 : 0.7 * p[i] / 255));
      } else {
        const v = bytes(o.v);
        paintMap(off, size, (i) => {
          const x = v[i] / 127.5 - 1;
          return valueColour(discrete ? Math.sign(x) * 0.6 : x * 0.8);
        });
      }
      const ctx = ui.output_canvas.getContext("2d");
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(off, 0, 0, 300, 300);
      const dot = (x, y, label, stroke, r) => {
        const [px, py] = toPixel(s, x, y);
        ctx.beginPath();
        ctx.arc(px, py, r, 0, 2 * Math.PI);
        ctx.fillStyle = `rgb(${pointColour(s, label).join(",")})`;
        ctx.fill();
        ctx.strokeStyle = stroke;
        ctx.lineWidth = 1;
        ctx.stroke();
      };
      s.points.train.forEach(([x, y], k) => dot(x, y, s.points.trainLabel[k], "#fff", 3.5));
      if (ui.showTest.checked) s.points.test.forEach(([x, y], k) => dot(x, y, s.points.testLabel[k], "#000", 3.5));
      const f = s.points.train[s.focus];
      if (f) {
        const [px, py] = toPixel(s, f[0], f[1]);
        ctx.beginPath();
        ctx.arc(px, py, 7, 0, 2 * Math.PI);
        ctx.strokeStyle = "#000";
        ctx.lineWidth = 2;
        ctx.stroke();
      }
    }
    function pickPoint(event) {
      const s = model.get("state");
      const r = ui.output_canvas.getBoundingClientRect();
      const mx = (event.clientX - r.left) * 300 / r.width, my = (event.clientY - r.top) * 300 / r.height;
      let best = -1, bestD = 100;
      s.points.train.forEach(([x, y], k) => {
        const [px, py] = toPixel(s, x, y);
        const d = (px - mx) ** 2 + (py - my) ** 2;
        if (d < bestD) { bestD = d; best = k; }
      });
      if (best < 0) return;
      send({ kind: "focus", point: best });
      window.open(model.get("urls").stepper + best, "_blank", "noopener");
    }
    function paintPointLinks(s) {
      const urls = model.get("urls");
      const key = s.focus + ":" + s.steps;
      if (ui.pointLinks.dataset.key === key) return;
      ui.pointLinks.dataset.key = key;
      const x = s.points.train[s.focus];
      ui.pointLinks.replaceChildren(
        `point #${s.focus} (${num(x[0])}, ${num(x[1])}): `,
        h("a", { id: "stepper-link", href: urls.stepper + s.focus, target: "_blank", rel: "noopener" }, "step through it"),
        h("button", { id: "show-graph", onclick: () => {
          ui.graph.src = urls.graph + s.focus + "&step=" + s.steps;
          ui.graph.classList.remove("hidden");
        } }, "its graph"));
    }

    // curves: the losses, and per layer ‖δ‖ and ‖∂E/∂W‖ on a log scale
    function curve(canvas, xs, series, log) {
      const ctx = canvas.getContext("2d");
      const W = canvas.width, H = canvas.height;
      ctx.clearRect(0, 0, W, H);
      const f = (v) => (log ? Math.log10(v) : v);
      let lo = Infinity, hi = -Infinity;
      for (const { values } of series) for (const v of values) {
        if (v !== null && (!log || v > 0)) { lo = Math.min(lo, f(v)); hi = Math.max(hi, f(v)); }
      }
      if (!isFinite(lo)) return;
      if (hi - lo < 1e-12) { hi += 0.5; lo -= 0.5; }
      if (!log) lo = Math.min(lo, 0);
      const x0 = xs[0], x1 = Math.max(xs[xs.length - 1], x0 + 1);
      for (const { values, colour } of series) {
        ctx.beginPath();
        ctx.strokeStyle = colour;
        ctx.lineWidth = 2;
        let started = false;
        values.forEach((v, k) => {
          if (v === null || (log && v <= 0)) return;
          const px = (xs[k] - x0) / (x1 - x0) * (W - 8) + 4, py = H - 6 - (f(v) - lo) / (hi - lo) * (H - 12);
          if (started) ctx.lineTo(px, py); else { ctx.moveTo(px, py); started = true; }
        });
        ctx.stroke();
      }
      ctx.fillStyle = "#666";
      ctx.font = "20px system-ui";
      ctx.fillText(num(log ? 10 ** hi : hi, 2), 6, 22);
      ctx.fillText(num(log ? 10 ** lo : lo, 2), 6, H - 10);
    }
    function paintCurves(s) {
      const hst = s.history;
      curve(ui.lossCurve, hst.step, [
        { values: hst.test, colour: "#999" }, { values: hst.train, colour: "#222" }], false);
      const layers = s.sizes.length - 1;
      const per = (key) => Array.from({ length: layers }, (_, l) => ({
        values: hst[key].map((r) => r[l]), colour: LAYER_COLOURS[l % LAYER_COLOURS.length] }));
      curve(ui.deltaCurve, hst.step, per("delta"), true);
      curve(ui.gradCurve, hst.step, per("gradW"), true);
      ui.legend.replaceChildren("loss: train black, test grey · layers: ",
        ...Array.from({ length: layers }, (_, l) => {
          const sp = h("span", {}, ` ■ layer ${l + 1} `);
          sp.style.color = LAYER_COLOURS[l % LAYER_COLOURS.length];
          return sp;
        }), " · dashed red: saturated or dead units");
    }

    // the three-way table
    function showCompare(t) {
      const cell = (v, bad) => h("td", { class: bad ? "bad" : "", "data-value": String(v) }, num(v, 2));
      const rows = t.rows.map((r) => h("tr", {}, h("td", {}, r.name),
        cell(r.autograd_rules, !r.ok), cell(r.autograd_fd, !r.ok), cell(r.rules_fd, !r.ok)));
      const worst = t.rows.reduce((a, r) => (r.autograd_rules > a.autograd_rules ? r : a), t.rows[0]);
      const children = [
        h("div", {}, `the next step's batch, ${t.samples} points; ${t.error}`),
        h("table", {}, h("tr", {}, h("th", {}, "parameter"), h("th", {}, `|autograd − ${t.rulesName}|`),
          h("th", {}, "|autograd − finite diff.|"), h("th", {}, `|${t.rulesName} − finite diff.|`)), ...rows),
        h("div", { id: "check-max", "data-value": String(t.max.autograd_rules) },
          `largest |autograd − ${t.rulesName}| = ${num(t.max.autograd_rules, 2)} (${worst.name}); ` +
          `largest |autograd − finite diff.| = ${num(t.max.autograd_fd, 2)}`)];
      if (t.finding) children.push(h("div", { class: "finding", id: "finding" }, t.finding.text));
      ui.check.replaceChildren(...children);
    }

    model.on("change:state", arrived);
    model.on("change:error", () => {
      ui.error.textContent = model.get("error") || "";
      if (!model.get("error")) return;
      pending = 0;
      if (running) stop();
      lastSettings = "";  // the refused change is not kept: show the run's settings again
      refused = true;
      paint();
    });
    model.on("msg:custom", (msg) => {
      if (msg.kind === "compare") showCompare(msg.table);
      if (msg.kind === "compare-error") ui.check.textContent = msg.error;
      if (msg.kind === "python") {
        ui.python.textContent = msg.text;
        ui.python.classList.remove("hidden");
        if (navigator.clipboard) navigator.clipboard.writeText(msg.text).catch(() => {});
      }
      if (msg.kind === "reset") stop();
    });
    paint();
  }

  // --- the host: this page over the local server -------------------------------------------

  function httpModel(token) {
    const values = { urls: {
      stepper: `stepper?token=${token}&point=`,
      graph: `graph.svg?token=${token}&point=`,
      weights: `weights.npz?token=${token}`,
    } };
    const listeners = {};
    let barrier = Promise.resolve();  // the last message that is not a step
    let steps = Promise.resolve();  // the steps sent since
    let sent = 0;
    let newest = 0;
    function emit(name, value) { for (const f of listeners[name] || []) f(value); }
    function set(key, value) { values[key] = value; emit("change:" + key, value); }
    async function call(method, path, body) {
      const response = await fetch(path, {
        method, headers: { "X-Token": token, "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      let answer;
      try { answer = JSON.parse(text); } catch { answer = { text }; }
      if (!response.ok) throw new Error(answer.error || text || response.statusText);
      return answer;
    }
    function keepInUrl(state) {
      const hash = "#" + encodeURIComponent(JSON.stringify(state.settings));
      if (location.hash !== hash) history.replaceState(null, "", location.pathname + location.search + hash);
    }
    async function handle(msg, number) {
      try {
        let state = null;
        if (msg.kind === "step") state = await call("POST", "api/step", { n: msg.n });
        else if (msg.kind === "settings") state = await call("POST", "api/settings", { settings: msg.settings, reset: !!msg.reset });
        else if (msg.kind === "reset") { state = await call("POST", "api/settings", { settings: {}, reset: true }); emit("msg:custom", { kind: "reset" }); }
        else if (msg.kind === "focus") {
          const part = await call("POST", "api/focus", { point: msg.point });
          state = Object.assign({}, values.state, part);
        } else if (msg.kind === "compare") {
          try { emit("msg:custom", { kind: "compare", table: await call("POST", "api/compare", {}) }); }
          catch (e) { emit("msg:custom", { kind: "compare-error", error: String(e.message) }); }
        } else if (msg.kind === "python") {
          const r = await fetch(`run.py?token=${token}`);
          emit("msg:custom", { kind: "python", text: await r.text() });
        }
        if (state && number < newest) state = null;  // an older answer overtaken: dropped
        if (state) {
          newest = number;
          state.reply = msg.kind;  // which message this state answers
          set("error", "");
          keepInUrl(state);
          set("state", state);
        }
      } catch (e) {
        set("error", String(e.message));
      }
    }
    return {
      get: (key) => values[key],
      set,
      on(name, f) { (listeners[name] = listeners[name] || []).push(f); },
      off(name, f) { listeners[name] = (listeners[name] || []).filter((g) => g !== f); },
      save_changes() {},
      // Messages are answered in the order sent: each waits for those before it, except
      // that steps may follow each other without waiting (the server takes them in turn
      // and a newer state replaces an older one), so the next step is computed while the
      // page draws this one.
      send(msg) {
        const number = ++sent;
        if (msg.kind === "step") {
          const done = barrier.then(() => handle(msg, number));
          steps = steps.then(() => done);
          return done;
        }
        barrier = Promise.all([barrier, steps]).then(() => handle(msg, number));
        steps = Promise.resolve();
        return barrier;
      },
    };
  }

  async function start() {
    const token = new URLSearchParams(location.search).get("token") || "";
    const model = httpModel(token);
    let fromUrl = null;
    if (location.hash.length > 1) {
      try { fromUrl = JSON.parse(decodeURIComponent(location.hash.slice(1))); } catch { fromUrl = null; }
    }
    // the URL's settings (or the run's own) from the start: the same URL, the same run
    await model.send({ kind: "settings", settings: fromUrl || {}, reset: true });
    render({ model, el: document.getElementById("app") });
  }

  window.tinygradExplore = { render, httpModel };
  if (document.getElementById("app")) start();
})();
