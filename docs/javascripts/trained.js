/* The trained network in the browser: draw a shape, or pick a test image, and watch the lesson's
 * trained CNN take it through every layer to ten probabilities.
 *
 * The network comes from `figures/trained-cnn.json` (written by the build from the train
 * lesson's model), found relative to this file's own address, so it works for both languages
 * and under any subpath. Its layers are read in order, as PyTorch runs them:
 *   conv    nn.Conv2d, stride 1, no padding: a cross-correlation (the filter is not flipped)
 *   relu    max(0, x)
 *   pool    nn.MaxPool2d(s): the largest value of each s×s block, dropping a last odd row or
 *           column (25 -> 12)
 *   flatten torch.flatten(x, 1): channel after channel, each row after row
 *   linear  nn.Linear: W x + b
 * and the last layer's outputs (the logits) go through the softmax. Weights and pixels are
 * float32, as in torch; each sum is taken in float64 and stored as float32.
 *
 * The widget is built into `<div class="cnnviz-net" data-classes="name0|name1|...">`. Its words
 * follow the page's language (<html lang="ko"> or "en"); the class names come from the page.
 * `window.cnnvizNet` is its API for tests and the console: `ready`, `forward(pixels)`,
 * `setInput(pixels)`, `pick(index)`, `clear()`, `input()` and `shown()`.
 */
(function () {
  "use strict";

  const SCRIPT = document.currentScript;
  const NETWORK_FILE = "../figures/trained-cnn.json";
  const BRUSH = 1.5; // a stroke's value falls from 1 to 0 between 0.5 and 1.5 pixels from it

  const WORDS = {
    ko: {
      loading: "학습한 네트워크를 불러오는 중입니다…",
      loadError: "학습한 네트워크를 불러오지 못했습니다: {error}",
      notLoaded: "학습한 네트워크를 아직 불러오는 중입니다. cnnvizNet.ready를 기다리십시오.",
      notArray: "입력은 수 {n}개({size}×{size})의 배열이어야 합니다(받은 것: {got}).",
      badLength: "입력은 수 {n}개({size}×{size})여야 하는데, 이 입력은 {got}개입니다.",
      badValue: "입력의 픽셀은 모두 유한한 수여야 합니다(받은 값: {got}).",
      badPick: "시험용 이미지 번호는 0부터 {last}까지인데, 받은 것은 {got}입니다.",
      badClasses: "이 페이지는 클래스 이름 {names}개를 주는데, 네트워크의 출력은 {outputs}개입니다.",
      badFile: "네트워크 파일이 올바르지 않습니다: {what}",
      input: "입력",
      canvas: "그리기 칸({size}×{size} 픽셀): 마우스, 손가락, 펜으로 도형을 그리십시오",
      clear: "지우기",
      examples: "시험용 이미지",
      example: "시험용 이미지 {n}: {name}",
      stages: "층마다의 특성 맵",
      conv: "합성곱 {n}",
      relu: "ReLU {n}",
      pool: "최대 풀링 {n}",
      map: "{stage}, 특성 맵 {k}/{count}, {h}×{w}",
      scale: "{stage}의 색: 흰색 0부터 진한 빨강 {high}까지",
      scaleSigned: "{stage}의 색: 파랑 {low}, 흰색 0, 빨강 {high}",
      flat: "펼치기: {shape} → 값 {n}개",
      flatMap: "펼친 벡터의 값 {n}개",
      scores: "로짓과 소프트맥스 확률",
      class: "클래스",
      logit: "로짓",
      probability: "확률",
      prediction: "예측: {name}(클래스 {k}), 확률 {p}",
      blank: "빈 칸에도 네트워크는 열 클래스 가운데 하나를 고릅니다: {name}(클래스 {k}), 확률 {p}",
    },
    en: {
      loading: "Loading the trained network…",
      loadError: "The trained network could not be loaded: {error}",
      notLoaded: "The trained network is still loading; await cnnvizNet.ready.",
      notArray: "An input is an array of {n} numbers ({size}×{size}), not {got}.",
      badLength: "An input is {n} numbers ({size}×{size}); this one has {got}.",
      badValue: "Every pixel of an input is a finite number; this one holds {got}.",
      badPick: "Test images are numbered 0 to {last}, not {got}.",
      badClasses: "This page names {names} classes, but the network has {outputs} outputs.",
      badFile: "The network file is not valid: {what}",
      input: "Input",
      canvas: "Drawing box, {size}×{size} pixels: draw a shape with a mouse, a finger or a pen",
      clear: "Clear",
      examples: "Test images",
      example: "Test image {n}: {name}",
      stages: "Every layer's feature maps",
      conv: "Convolution {n}",
      relu: "ReLU {n}",
      pool: "Max pooling {n}",
      map: "{stage}, feature map {k} of {count}, {h}×{w}",
      scale: "{stage} colors: white at 0 to dark red at {high}",
      scaleSigned: "{stage} colors: blue at {low}, white at 0, red at {high}",
      flat: "Flatten: {shape} → {n} values",
      flatMap: "The {n} values of the flattened vector",
      scores: "Logits and softmax probabilities",
      class: "Class",
      logit: "Logit",
      probability: "Probability",
      prediction: "Prediction: {name} (class {k}), probability {p}",
      blank: "Even for an empty box the network must pick one of its ten classes: {name} (class {k}), probability {p}",
    },
  };

  // ColorBrewer RdBu from blue (negative) to red (positive), matplotlib's "RdBu_r", as in the
  // lesson's figures and the playground. Maps that are never negative (after ReLU and pooling)
  // use its upper half, white (0) to dark red (the largest value).
  const DIVERGING = [
    "#053061",
    "#2166ac",
    "#4393c3",
    "#92c5de",
    "#d1e5f0",
    "#f7f7f7",
    "#fddbc7",
    "#f4a582",
    "#d6604d",
    "#b2182b",
    "#67001f",
  ];

  const has = (object, key) => Object.prototype.hasOwnProperty.call(object, key);

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (whole, key) => (has(values, key) ? values[key] : whole));
  }

  function words() {
    const language = (document.documentElement.lang || "en").slice(0, 2);
    return has(WORDS, language) ? WORDS[language] : WORDS.en;
  }

  // A number as the widget writes it: fixed digits, a true minus sign, never "−0.00".
  function fixed(value, digits) {
    const text = value.toFixed(digits);
    if (Number(text) === 0) return (0).toFixed(digits);
    return text.replace("-", "\u2212");
  }

  const readNumber = (text) => Number(text.replace("\u2212", "-"));

  // ---- The network file ----

  class FileError extends Error {} // the network file does not hold the network described above
  class PageError extends Error {} // the page and the file disagree; the message is the reader's

  // Nested lists of numbers as one flat Float64Array of float32 values, checked against
  // `dims`, e.g. [6, 1, 4, 4] for a conv weight.
  function tensor(nested, dims, what) {
    const flat = new Float64Array(dims.reduce((a, b) => a * b, 1));
    let at = 0;
    const walk = (value, depth) => {
      if (depth === dims.length) {
        if (typeof value !== "number" || !Number.isFinite(value)) {
          throw new FileError(`${what}: ${JSON.stringify(value)} is not a number`);
        }
        flat[at++] = Math.fround(value);
        return;
      }
      if (!Array.isArray(value) || value.length !== dims[depth]) {
        throw new FileError(`${what}: expected shape ${dims.join("×")}`);
      }
      for (const item of value) walk(item, depth + 1);
    };
    walk(nested, 0);
    return flat;
  }

  const count = (shape) => shape.reduce((a, b) => a * b, 1);

  // The dimensions of nested lists, read along their first items.
  function dimsOf(nested) {
    const dims = [];
    for (let value = nested; Array.isArray(value); value = value[0]) dims.push(value.length);
    return dims;
  }

  // One layer of the file, checked against the shape that reaches it; returns the layer
  // ready to run and the shape it gives.
  function readLayer(layer, shape, index) {
    const what = `layer ${index + 1} (${layer && layer.kind})`;
    const [c, h, w] = shape;
    switch (layer && layer.kind) {
      case "conv": {
        const [out, inputs, k, k2] = dimsOf(layer.weight);
        if (shape.length !== 3 || inputs !== c || k !== k2 || !(k <= h && k <= w)) {
          throw new FileError(`${what}: a ${dimsOf(layer.weight).join("×")} weight`);
        }
        const weight = tensor(layer.weight, [out, c, k, k], what);
        const bias = tensor(layer.bias, [out], what + " bias");
        return [{ kind: "conv", out, k, weight, bias }, [out, h - k + 1, w - k + 1]];
      }
      case "relu":
        return [{ kind: "relu" }, shape];
      case "pool": {
        const size = layer.size;
        if (shape.length !== 3 || !Number.isInteger(size) || size < 1 || size > h) {
          throw new FileError(`${what}: size ${JSON.stringify(size)}`);
        }
        return [{ kind: "pool", size }, [c, Math.floor(h / size), Math.floor(w / size)]];
      }
      case "flatten":
        return [{ kind: "flatten" }, [count(shape)]];
      case "linear": {
        const [out, inputs] = dimsOf(layer.weight);
        if (shape.length !== 1 || inputs !== shape[0]) {
          throw new FileError(`${what}: a ${out}×${inputs} weight for ${shape[0]} values`);
        }
        const weight = tensor(layer.weight, [out, inputs], what);
        const bias = tensor(layer.bias, [out], what + " bias");
        return [{ kind: "linear", out, inputs, weight, bias }, [out]];
      }
      default:
        throw new FileError(`${what}: unknown kind`);
    }
  }

  // The stage names of the API, in order: conv1, relu1, pool1, conv2, ..., flat, logits.
  function stageNames(layers) {
    const seen = {};
    return layers.map((layer, k) => {
      if (layer.kind === "flatten") return "flat";
      if (layer.kind === "linear" && k === layers.length - 1) return "logits";
      seen[layer.kind] = (seen[layer.kind] || 0) + 1;
      return layer.kind + seen[layer.kind];
    });
  }

  // The file's JSON as a network: {size, layers, names, shapes, outputs, examples}.
  function readNetwork(json) {
    const size = json && json.size;
    if (!Number.isInteger(size) || size < 1) throw new FileError("size");
    let shape = [1, size, size];
    const layers = [];
    const shapes = [];
    if (!Array.isArray(json.layers) || !json.layers.length) throw new FileError("no layers");
    json.layers.forEach((layer, k) => {
      const [ready, next] = readLayer(layer, shape, k);
      layers.push(ready);
      shapes.push(next);
      shape = next;
    });
    if (shape.length !== 1) throw new FileError("the last layer does not give a vector");
    const examples = (Array.isArray(json.examples) ? json.examples : []).map((example, k) => ({
      label: example.label,
      pixels: Float32Array.from(tensor(example.pixels, [size, size], `example ${k + 1}`)),
    }));
    return { size, layers, names: stageNames(layers), shapes, outputs: shape[0], examples };
  }

  // ---- The layers, as torch computes them ----

  function conv2d(x, [c, h, w], { out, k, weight, bias }) {
    const [oh, ow] = [h - k + 1, w - k + 1];
    const y = new Float32Array(out * oh * ow);
    const sums = new Float64Array(ow);
    for (let o = 0; o < out; o++) {
      for (let i = 0; i < oh; i++) {
        sums.fill(bias[o]);
        for (let ci = 0; ci < c; ci++) {
          for (let u = 0; u < k; u++) {
            const row = (ci * h + i + u) * w;
            const taps = ((o * c + ci) * k + u) * k;
            for (let v = 0; v < k; v++) {
              const weightAt = weight[taps + v];
              for (let j = 0, q = row + v; j < ow; j++, q++) sums[j] += weightAt * x[q];
            }
          }
        }
        y.set(sums, (o * oh + i) * ow); // float64 sums stored as float32
      }
    }
    return y;
  }

  function relu(x) {
    const y = new Float32Array(x.length);
    for (let k = 0; k < x.length; k++) y[k] = x[k] > 0 ? x[k] : 0;
    return y;
  }

  function maxPool(x, [c, h, w], size) {
    const [ph, pw] = [Math.floor(h / size), Math.floor(w / size)];
    const y = new Float32Array(c * ph * pw);
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0; i < ph; i++) {
        for (let j = 0; j < pw; j++) {
          let best = -Infinity;
          for (let u = 0; u < size; u++) {
            const row = (ch * h + i * size + u) * w + j * size;
            for (let v = 0; v < size; v++) if (x[row + v] > best) best = x[row + v];
          }
          y[(ch * ph + i) * pw + j] = best;
        }
      }
    }
    return y;
  }

  function linear(x, { out, inputs, weight, bias }) {
    const y = new Float32Array(out);
    for (let o = 0; o < out; o++) {
      let sum = bias[o];
      for (let i = 0, at = o * inputs; i < inputs; i++, at++) sum += weight[at] * x[i];
      y[o] = sum;
    }
    return y;
  }

  function softmax(logits) {
    const top = Math.max(...logits);
    const exps = Array.from(logits, (z) => Math.exp(z - top));
    const total = exps.reduce((a, b) => a + b, 0);
    return Float32Array.from(exps, (e) => e / total);
  }

  // Every stage of the network on one input (float32 pixels, size×size, row after row):
  // {conv1: Float32Array, relu1, ..., flat, logits, probs}.
  function run(network, pixels) {
    let x = pixels;
    let shape = [1, network.size, network.size];
    const stages = {};
    network.layers.forEach((layer, k) => {
      if (layer.kind === "conv") x = conv2d(x, shape, layer);
      else if (layer.kind === "relu") x = relu(x);
      else if (layer.kind === "pool") x = maxPool(x, shape, layer.size);
      else if (layer.kind === "linear") x = linear(x, layer);
      else x = Float32Array.from(x); // flatten: the values are already in torch's order
      shape = network.shapes[k];
      stages[network.names[k]] = x;
    });
    stages.probs = softmax(x);
    return stages;
  }

  // ---- Drawing ----

  // Add a stroke from (x0, y0) to (x1, y1), in pixels, to an image: each pixel keeps the larger
  // of its value and the stroke's, which is 1 up to half a pixel from the segment and fades to
  // 0 one pixel further, like the lesson's anti-aliased lines.
  function stroke(pixels, size, x0, y0, x1, y1) {
    const [dx, dy] = [x1 - x0, y1 - y0];
    const length2 = dx * dx + dy * dy;
    const top = Math.max(0, Math.floor(Math.min(y0, y1) - BRUSH));
    const bottom = Math.min(size - 1, Math.ceil(Math.max(y0, y1) + BRUSH));
    const left = Math.max(0, Math.floor(Math.min(x0, x1) - BRUSH));
    const right = Math.min(size - 1, Math.ceil(Math.max(x0, x1) + BRUSH));
    for (let i = top; i <= bottom; i++) {
      for (let j = left; j <= right; j++) {
        const [px, py] = [j + 0.5 - x0, i + 0.5 - y0]; // from the start to the pixel's centre
        const t = length2 ? Math.max(0, Math.min(1, (px * dx + py * dy) / length2)) : 0;
        const distance = Math.hypot(px - t * dx, py - t * dy);
        const value = Math.min(1, Math.max(0, BRUSH - distance));
        if (value > pixels[i * size + j]) pixels[i * size + j] = value;
      }
    }
  }

  // ---- Colours ----

  function hexToRgb(hex) {
    const n = parseInt(hex.slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }

  // 256 packed RGBA colours along `stops`, in the byte order of this machine's ImageData.
  function lookupTable(stops) {
    const rgb = stops.map(hexToRgb);
    const bytes = new Uint8ClampedArray(256 * 4);
    for (let n = 0; n < 256; n++) {
      const x = (n / 255) * (rgb.length - 1);
      const k = Math.min(Math.floor(x), rgb.length - 2);
      const f = x - k;
      const colour = rgb[k].map((c, m) => Math.round(c + f * (rgb[k + 1][m] - c)));
      bytes.set([...colour, 255], 4 * n);
    }
    return new Uint32Array(bytes.buffer);
  }

  const SIGNED = lookupTable(DIVERGING);
  const POSITIVE = lookupTable(DIVERGING.slice(5));
  const GRAY = lookupTable(["#000000", "#ffffff"]);

  // Paint `count` values from `values[at]` on a canvas, mapping [low, high] onto a table.
  function paint(canvas, values, at, table, low, high) {
    const context = canvas.getContext("2d");
    const image = context.createImageData(canvas.width, canvas.height);
    const packed = new Uint32Array(image.data.buffer);
    const scale = 255 / (high - low);
    for (let k = 0; k < packed.length; k++) {
      const t = Math.round((values[at + k] - low) * scale);
      packed[k] = table[t < 0 ? 0 : t > 255 ? 255 : t];
    }
    context.putImageData(image, 0, 0);
  }

  // ---- The widget ----

  function element(tag, className, attributes = {}) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    return node;
  }

  function canvas(width, height, label) {
    return element("canvas", "", { width, height, role: "img", "aria-label": label });
  }

  // One class's row of the table: its name, its logit, and its probability as a bar and a number.
  function scoreRow(body, name) {
    const row = body.insertRow();
    const th = element("th", "", { scope: "row" });
    th.textContent = name;
    const logit = row.insertCell();
    logit.className = "tn-logit";
    const cell = row.insertCell();
    cell.className = "tn-probability";
    const line = element("span", "tn-line");
    const bar = element("span", "tn-bar", { "aria-hidden": "true" });
    const bulk = element("span", "tn-fill");
    const value = element("span", "tn-value");
    bar.append(bulk);
    line.append(bar, value);
    cell.append(line);
    row.prepend(th);
    return { row, logit, bulk, value, shown: ["", "", ""] };
  }

  class Widget {
    constructor(root) {
      this.root = root;
      this.text = words();
      this.classes = (root.dataset.classes || "").split("|").map((name) => name.trim());
      this.network = null;
      this.pixels = null;
      this.result = null;
      this.frame = 0; // the animation frame that will update the output, if one is asked for
      this.drawing = null; // {id, x, y}: the pointer drawing now, and where it last was
      this.updates = 0;
      this.status = element("p", "tn-status", { role: "status" });
      this.status.textContent = this.text.loading;
      root.replaceChildren(this.status);
    }

    start() {
      const scriptUrl = (SCRIPT && SCRIPT.src) || location.href;
      const address = new URL(NETWORK_FILE, scriptUrl);
      this.ready = fetch(address)
        .then((response) => {
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
          return response.json();
        })
        .then((json) => {
          const network = readNetwork(json);
          if (network.outputs !== this.classes.length) {
            const sizes = { names: this.classes.length, outputs: network.outputs };
            throw new PageError(fill(this.text.badClasses, sizes));
          }
          this.network = network;
          this.build();
          this.setInput(network.examples.length ? network.examples[0].pixels : null);
          this.markPicked(network.examples.length ? 0 : -1);
        });
      this.ready.catch((error) => {
        const text = this.text;
        let said = fill(text.loadError, { error: error.message });
        if (error instanceof FileError) said = fill(text.badFile, { what: error.message });
        else if (error instanceof PageError) said = error.message;
        this.status.textContent = said;
        this.root.replaceChildren(this.status);
      });
      return this.ready;
    }

    // -- Building the widget --

    build() {
      const top = element("div", "tn-top");
      top.append(this.buildInput(), this.buildScores());
      this.status.textContent = "";
      this.root.replaceChildren(top, this.buildExamples(), this.buildStages(), this.status);
    }

    buildInput() {
      const { text, network } = this;
      const size = network.size;
      const box = element("div", "tn-input");
      const label = element("p", "tn-label");
      label.textContent = `${text.input} · ${size}×${size}`;
      this.canvas = canvas(size, size, fill(text.canvas, { size }));
      this.canvas.classList.add("tn-draw");
      this.wireDrawing(this.canvas);
      const clear = element("button", "tn-clear", { type: "button" });
      clear.textContent = text.clear;
      clear.addEventListener("click", () => this.clear());
      box.append(label, this.canvas, clear);
      return box;
    }

    buildScores() {
      const text = this.text;
      const box = element("div", "tn-result");
      this.prediction = element("p", "tn-prediction", {
        "aria-live": "polite",
        "aria-atomic": "true",
      });
      const table = element("table", "tn-scores");
      table.createCaption().textContent = text.scores;
      const head = table.createTHead().insertRow();
      for (const word of [text.class, text.logit, text.probability]) {
        const th = element("th", "", { scope: "col" });
        th.textContent = word;
        head.append(th);
      }
      const body = table.createTBody();
      this.rows = this.classes.map((name, k) => scoreRow(body, `${k} ${name}`));
      box.append(this.prediction, table);
      return box;
    }

    buildExamples() {
      const { text, network } = this;
      const box = element("div", "tn-examples");
      if (!network.examples.length) return box;
      const label = element("p", "tn-label", { id: "tn-examples-label" });
      label.textContent = text.examples;
      const buttons = element("div", "tn-picks", {
        role: "group",
        "aria-labelledby": "tn-examples-label",
      });
      this.picks = network.examples.map((example, k) => {
        const name = this.classes[example.label] ?? String(example.label);
        const said = fill(text.example, { n: k + 1, name });
        const button = element("button", "tn-pick", { type: "button", "aria-label": said });
        button.title = said;
        const thumb = element("canvas", "", { width: network.size, height: network.size });
        thumb.setAttribute("aria-hidden", "true");
        paint(thumb, example.pixels, 0, GRAY, 0, 1);
        button.append(thumb);
        button.addEventListener("click", () => this.pick(k));
        buttons.append(button);
        return button;
      });
      box.append(label, buttons);
      return box;
    }

    buildStages() {
      const { text, network } = this;
      const box = element("div", "tn-stages");
      const heading = element("p", "tn-label");
      heading.textContent = text.stages;
      box.append(heading);
      this.stages = [];
      network.layers.forEach((layer, k) => {
        const name = network.names[k];
        const shape = network.shapes[k];
        if (shape.length === 3) box.append(this.buildStage(layer.kind, name, shape));
        else if (layer.kind === "flatten") box.append(this.buildFlat(name, network.shapes[k - 1]));
      });
      return box;
    }

    buildStage(kind, name, [c, h, w]) {
      const text = this.text;
      const title = fill(text[kind], { n: name.replace(/\D+/g, "") });
      const row = element("figure", "tn-stage", { "data-stage": name });
      const caption = element("figcaption", "");
      const label = element("span", "tn-stage-name");
      label.textContent = `${title} · ${c}×${h}×${w}`;
      const signed = kind === "conv";
      const scale = element("span", "tn-scale" + (signed ? " tn-scale--signed" : ""), {
        role: "img",
      });
      const [low, high] = [element("span", "tn-low"), element("span", "tn-high")];
      scale.append(low, element("span", "tn-ramp"), high);
      caption.append(label, scale);
      const maps = element("div", "tn-maps", { "data-channels": c });
      const canvases = [];
      for (let k = 0; k < c; k++) {
        const said = fill(text.map, { stage: title, k: k + 1, count: c, h, w });
        canvases.push(canvas(w, h, said));
      }
      maps.append(...canvases);
      row.append(caption, maps);
      this.stages.push({ name, title, signed, size: h * w, canvases, scale, low, high, range: "" });
      return row;
    }

    buildFlat(name, shape) {
      const text = this.text;
      const n = count(shape);
      const row = element("figure", "tn-stage tn-flat", { "data-stage": name });
      const caption = element("figcaption", "");
      caption.textContent = fill(text.flat, { shape: shape.join("×"), n });
      this.flat = { canvas: canvas(n, 1, fill(text.flatMap, { n })), caption };
      row.append(caption, this.flat.canvas);
      return row;
    }

    // -- Input --

    wireDrawing(target) {
      const at = (event) => {
        const box = target.getBoundingClientRect();
        const size = this.network.size;
        return [
          ((event.clientX - box.left) / box.width) * size,
          ((event.clientY - box.top) / box.height) * size,
        ];
      };
      target.addEventListener("pointerdown", (event) => {
        if (event.pointerType === "mouse" && event.button !== 0) return;
        event.preventDefault();
        target.setPointerCapture(event.pointerId);
        const [x, y] = at(event);
        this.drawing = { id: event.pointerId, x, y };
        this.prediction.setAttribute("aria-busy", "true"); // announce once the stroke ends
        this.markPicked(-1);
        this.draw(x, y);
      });
      target.addEventListener("pointermove", (event) => {
        if (!this.drawing || event.pointerId !== this.drawing.id) return;
        const moves = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
        for (const move of moves.length ? moves : [event]) this.draw(...at(move));
      });
      const end = (event) => {
        if (!this.drawing || event.pointerId !== this.drawing.id) return;
        this.drawing = null;
        this.flush();
        this.prediction.removeAttribute("aria-busy");
      };
      for (const name of ["pointerup", "pointercancel", "lostpointercapture"]) {
        target.addEventListener(name, end);
      }
    }

    // Continue the stroke to (x, y), and update the output at the next animation frame.
    draw(x, y) {
      const last = this.drawing;
      stroke(this.pixels, this.network.size, last.x, last.y, x, y);
      [last.x, last.y] = [x, y];
      if (!this.frame) {
        this.frame = requestAnimationFrame(() => {
          this.frame = 0;
          this.update();
        });
      }
    }

    // Show now the update the next animation frame would have shown.
    flush() {
      if (this.frame) this.update();
    }

    // An input as float32 pixels, or an error in the reader's language.
    checked(pixels) {
      const { text, network } = this;
      const size = network.size;
      const said = (template, got) => fill(template, { n: size * size, size, got });
      const listed = Array.isArray(pixels) || ArrayBuffer.isView(pixels);
      if (!listed) throw new TypeError(said(text.notArray, shortly(pixels)));
      if (pixels.length !== size * size) throw new RangeError(said(text.badLength, pixels.length));
      const isPixel = (v) => typeof v === "number" && Number.isFinite(Math.fround(v));
      const bad = Array.prototype.findIndex.call(pixels, (v) => !isPixel(v));
      if (bad >= 0) throw new TypeError(said(text.badValue, shortly(pixels[bad])));
      return Float32Array.from(pixels);
    }

    setInput(pixels) {
      const size = this.network.size;
      this.pixels = pixels ? this.checked(pixels) : new Float32Array(size * size);
      this.markPicked(-1);
      this.update();
    }

    pick(index) {
      const examples = this.network.examples;
      if (!Number.isInteger(index) || index < 0 || index >= examples.length) {
        const said = { last: examples.length - 1, got: JSON.stringify(index) };
        throw new RangeError(fill(this.text.badPick, said));
      }
      this.setInput(examples[index].pixels);
      this.markPicked(index);
    }

    clear() {
      this.setInput(null);
    }

    markPicked(index) {
      (this.picks || []).forEach((button, k) => {
        if (k === index) button.setAttribute("aria-pressed", "true");
        else button.setAttribute("aria-pressed", "false");
      });
      this.picked = index;
    }

    // -- Output --

    // Run the network on the input and show every stage: one update.
    update() {
      if (this.frame) {
        cancelAnimationFrame(this.frame); // this update covers the one asked for
        this.frame = 0;
      }
      const { network } = this;
      paint(this.canvas, this.pixels, 0, GRAY, 0, 1);
      const result = (this.result = run(network, this.pixels));
      for (const stage of this.stages) this.showStage(stage, result[stage.name]);
      if (this.flat) {
        const values = result.flat;
        const [low, high] = range(values);
        const signed = low < 0;
        const limit = Math.max(Math.abs(low), Math.abs(high)) || 1;
        paint(this.flat.canvas, values, 0, signed ? SIGNED : POSITIVE, signed ? -limit : 0, limit);
      }
      this.showScores(result.logits, result.probs);
      this.root.dataset.updates = String(++this.updates); // a mark that the output is new
    }

    showStage(stage, values) {
      const [low, high] = range(values);
      const limit = stage.signed ? Math.max(Math.abs(low), Math.abs(high)) || 1 : high || 1;
      const table = stage.signed ? SIGNED : POSITIVE;
      stage.canvases.forEach((target, k) => {
        paint(target, values, k * stage.size, table, stage.signed ? -limit : 0, limit);
      });
      const ends = [stage.signed ? fixed(-limit, 2) : "0", fixed(limit, 2)];
      const said = fill(stage.signed ? this.text.scaleSigned : this.text.scale, {
        stage: stage.title,
        low: ends[0],
        high: ends[1],
      });
      if (said !== stage.range) {
        stage.range = said;
        [stage.low.textContent, stage.high.textContent] = ends;
        stage.scale.setAttribute("aria-label", said);
      }
    }

    showScores(logits, probs) {
      let best = 0;
      for (let k = 1; k < probs.length; k++) if (probs[k] > probs[best]) best = k;
      this.rows.forEach((row, k) => {
        const shown = [fixed(logits[k], 2), fixed(probs[k], 3), k === best ? "best" : ""];
        if (shown[0] !== row.shown[0]) row.logit.textContent = shown[0];
        if (shown[1] !== row.shown[1]) {
          row.value.textContent = shown[1];
          row.bulk.style.transform = `scaleX(${probs[k]})`;
        }
        if (shown[2] !== row.shown[2]) row.row.classList.toggle("tn-best", k === best);
        row.shown = shown;
      });
      const blank = this.pixels.every((value) => value === 0);
      const said = fill(blank ? this.text.blank : this.text.prediction, {
        name: this.classes[best],
        k: best,
        p: fixed(probs[best], 3),
      });
      if (this.prediction.textContent !== said) this.prediction.textContent = said;
    }

    // What the widget shows now, read back from the page.
    shown() {
      const stages = {};
      for (const [name, values] of Object.entries(this.result)) stages[name] = Array.from(values);
      const best = this.rows.findIndex((row) => row.row.classList.contains("tn-best"));
      return {
        input: Array.from(this.pixels),
        stages,
        prediction: this.prediction.textContent,
        predicted: best,
        labels: this.rows.map((row) => row.row.cells[0].textContent),
        logits: this.rows.map((row) => readNumber(row.logit.textContent)),
        probabilities: this.rows.map((row) => readNumber(row.value.textContent)),
        flat: this.flat ? this.flat.caption.textContent : "",
        picked: this.picked,
        updates: this.updates,
        pending: Boolean(this.frame || this.drawing),
      };
    }
  }

  // A value as a short line of text: `"abc"`, null, NaN, {…}.
  function shortly(value) {
    if (typeof value === "number" || value == null) return String(value);
    if (typeof value === "string") return JSON.stringify(value.slice(0, 20));
    return Array.isArray(value) ? "[…]" : typeof value === "object" ? "{…}" : String(value);
  }

  function range(values) {
    let [low, high] = [Infinity, -Infinity];
    for (let k = 0; k < values.length; k++) {
      if (values[k] < low) low = values[k];
      if (values[k] > high) high = values[k];
    }
    return [low, high];
  }

  // ---- The console API ----

  function api(widget) {
    const loaded = () => {
      if (!widget.network) throw new Error(widget.text.notLoaded);
    };
    const ready = widget.ready.then(() => undefined);
    ready.catch(() => {}); // a failure is shown on the page; a caller may still await it
    return Object.freeze({
      ready,
      forward: (pixels) => {
        loaded();
        const stages = run(widget.network, widget.checked(pixels));
        return Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, Array.from(v)]));
      },
      setInput: (pixels) => {
        loaded();
        widget.setInput(pixels);
      },
      pick: (index) => {
        loaded();
        widget.pick(index);
      },
      clear: () => {
        loaded();
        widget.clear();
      },
      input: () => {
        loaded();
        return Array.from(widget.pixels);
      },
      shown: () => {
        loaded();
        return widget.shown();
      },
    });
  }

  function start() {
    const root = document.querySelector(".cnnviz-net");
    if (!root) return; // no drawing box on this page
    const widget = new Widget(root);
    widget.start().catch(() => {}); // the status line reports a failure
    window.cnnvizNet = api(widget);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
