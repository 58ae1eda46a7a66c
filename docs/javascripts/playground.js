/* The playground: edit a kernel and watch convolution -> ReLU -> 2×2 max pooling.
 *
 * The math mirrors cnnviz/layers.py: a cross-correlation (the kernel is not flipped) over the
 * "valid" positions, so the output is (H-kh+1) × (W-kw+1); ReLU is max(0, x); pooling keeps the
 * largest value of each 2×2 block with stride 2, dropping a last odd row or column. Pixels and
 * weights are float32, as in torch; sums are taken in float64 and stored as float32.
 *
 * The script is loaded on every page and returns at once where there is no playground. Its data
 * (written by gen/playground.py) sits in `playground/` at the site root, found relative to this
 * file's own address, so it works on every page and under any subpath. Words shown to the reader
 * come from the page itself (a JSON block in the markup), so the script holds no language.
 */
(function () {
  "use strict";

  const SCRIPT = document.currentScript;
  const SIDES = { min: 2, max: 7 };
  const STAGES = ["conv", "relu", "pooled"];
  // ColorBrewer RdBu from blue (negative) to red (positive): matplotlib's "RdBu_r", as in the
  // lesson's figures.
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

  // ---- The layers, as in cnnviz.layers ----

  // out[i, j] = sum over (u, v) of pixels[i + u, j + v] * kernel[u, v], summed in float64 and
  // stored as float32. The sums are kept `width` wide, so that each weight adds its share in one
  // flat loop, which runs fast; the kw - 1 extra columns of each row are dropped at the end.
  function crossCorrelate(pixels, width, kernel, kh, kw, wide, out, outHeight, outWidth) {
    const count = (outHeight - 1) * width + outWidth;
    wide.fill(0);
    for (let u = 0; u < kh; u++) {
      for (let v = 0; v < kw; v++) {
        const weight = kernel[u * kw + v];
        if (weight === 0) continue;
        const shift = u * width + v;
        for (let k = 0; k < count; k++) wide[k] += weight * pixels[k + shift];
      }
    }
    for (let i = 0; i < outHeight; i++) {
      out.set(wide.subarray(i * width, i * width + outWidth), i * outWidth);
    }
  }

  function relu(values, out) {
    for (let k = 0; k < values.length; k++) out[k] = values[k] > 0 ? values[k] : 0;
  }

  function extent(values) {
    let low = Infinity;
    let high = -Infinity;
    for (let k = 0; k < values.length; k++) {
      const value = values[k];
      if (value < low) low = value;
      if (value > high) high = value;
    }
    return [low, high];
  }

  function maxPool2(values, width, out, outHeight, outWidth) {
    for (let i = 0; i < outHeight; i++) {
      const top = 2 * i * width;
      const bottom = top + width;
      for (let j = 0; j < outWidth; j++) {
        const c = 2 * j;
        let best = values[top + c];
        if (values[top + c + 1] > best) best = values[top + c + 1];
        if (values[bottom + c] > best) best = values[bottom + c];
        if (values[bottom + c + 1] > best) best = values[bottom + c + 1];
        out[i * outWidth + j] = best;
      }
    }
  }

  // ---- Colours ----

  function hexToRgb(hex) {
    const n = parseInt(hex.slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }

  // 256 packed RGBA colours, in the byte order of this machine's ImageData.
  function lookupTable(colourAt) {
    const bytes = new Uint8ClampedArray(256 * 4);
    for (let k = 0; k < 256; k++) {
      const [r, g, b] = colourAt(k / 255);
      bytes.set([r, g, b, 255], 4 * k);
    }
    return new Uint32Array(bytes.buffer);
  }

  const STOPS = DIVERGING.map(hexToRgb);
  const DIVERGING_LUT = lookupTable(function (t) {
    const x = t * (STOPS.length - 1);
    const k = Math.min(Math.floor(x), STOPS.length - 2);
    const f = x - k;
    return STOPS[k].map((c, n) => Math.round(c + f * (STOPS[k + 1][n] - c)));
  });
  const GRAY_LUT = lookupTable((t) => [
    Math.round(255 * t),
    Math.round(255 * t),
    Math.round(255 * t),
  ]);

  const surfaces = new WeakMap(); // canvas -> its ImageData and a packed view of its pixels

  // Paint values on a canvas, mapping [low, high] onto the 256 colours of a table.
  function paint(canvas, values, width, height, table, low, high) {
    let surface = surfaces.get(canvas);
    if (!surface || canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
      const image = canvas.getContext("2d").createImageData(width, height);
      surface = { image, packed: new Uint32Array(image.data.buffer) };
      surfaces.set(canvas, surface);
    }
    const packed = surface.packed;
    const scale = 255 / (high - low);
    for (let k = 0; k < values.length; k++) {
      let t = ((values[k] - low) * scale + 0.5) | 0;
      if (t < 0) t = 0;
      else if (t > 255) t = 255;
      packed[k] = table[t];
    }
    canvas.getContext("2d").putImageData(surface.image, 0, 0);
  }

  // ---- Numbers as text ----

  function fixed(value, digits) {
    const text = value.toFixed(digits);
    return Number(text) === 0 ? (0).toFixed(digits) : text; // never "-0.0000"
  }

  function formatWeight(value) {
    const rounded = Math.round(value * 1e4) / 1e4;
    return String(rounded === 0 ? 0 : rounded);
  }

  const has = (object, key) => Object.prototype.hasOwnProperty.call(object, key);

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (whole, key) => (has(values, key) ? values[key] : whole));
  }

  function escapeHtml(text) {
    return String(text).replace(
      /[&<>"]/g,
      (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c],
    );
  }

  // A number that stays finite as a float32, as cnnviz.kernels.weight_from demands.
  function isWeight(value) {
    return typeof value === "number" && Number.isFinite(Math.fround(value));
  }

  function rows(values, height, width) {
    const out = [];
    for (let i = 0; i < height; i++)
      out.push(Array.from(values.subarray(i * width, (i + 1) * width)));
    return out;
  }

  // A small matrix as an HTML table; `format(value, index)` writes each cell.
  function table(caption, kind, cells, width, format) {
    let body = "";
    for (let k = 0; k < cells.length; k += width) {
      const row = cells.slice(k, k + width).map((value, n) => `<td>${format(value, k + n)}</td>`);
      body += `<tr>${row.join("")}</tr>`;
    }
    return (
      `<table class="pg-matrix" data-pg-table="${kind}">` +
      `<caption>${escapeHtml(caption)}</caption><tbody>${body}</tbody></table>`
    );
  }

  const operator = (symbol) => `<span class="pg-op" aria-hidden="true">${symbol}</span>`;

  function total(label, kind, value) {
    return (
      `<p class="pg-total"><span>${escapeHtml(label)}</span> ` +
      `<output data-pg-value="${kind}">${value}</output></p>`
    );
  }

  // ---- The playground ----

  class Playground {
    constructor(root) {
      this.root = root;
      this.text = JSON.parse(root.querySelector("script.pg-strings").textContent);
      const scriptUrl = (SCRIPT && SCRIPT.src) || location.href;
      this.data = new URL("../playground/", scriptUrl);
      this.images = new Map(); // name -> Promise of {name, height, width, pixels}
      this.image = null;
      this.kernel = { rows: 0, cols: 0, values: new Float32Array(0) };
      this.out = null;
      this.selected = null; // {stage, row, col}
      this.cursor = { conv: [0, 0], relu: [0, 0], pooled: [0, 0] };
      this.token = 0;
      this.find = (name) => root.querySelector('[data-pg="' + name + '"]');
      this.canvases = {};
      for (const stage of ["input", ...STAGES]) this.canvases[stage] = this.find(stage);
    }

    start() {
      const json = (name) =>
        fetch(new URL(name, this.data)).then((response) => {
          if (!response.ok) throw new Error(name + ": HTTP " + response.status);
          return response.json();
        });
      this.ready = Promise.all([json("samples.json"), json("presets.json")]).then(
        ([shapes, presets]) => {
          this.shapes = shapes;
          this.presets = presets;
          this.wireControls();
          const first = this.find("sample").value;
          if (!this.kernel.rows) this.applyKernel(presets.f1 || Object.values(presets)[0]);
          return this.setImage(has(shapes, first) ? first : Object.keys(shapes)[0]);
        },
      );
      this.ready.then(
        () => this.status(""),
        (error) => this.status(fill(this.text.loadError, { error: error.message })),
      );
      return this.ready;
    }

    status(message) {
      this.find("status").textContent = message;
    }

    loadImage(name) {
      if (!this.images.has(name)) {
        const [height, width] = this.shapes[name];
        const loading = fetch(new URL(encodeURIComponent(name) + ".u8", this.data))
          .then((response) => {
            if (!response.ok) throw new Error(name + ".u8: HTTP " + response.status);
            return response.arrayBuffer();
          })
          .then((buffer) => {
            const bytes = new Uint8Array(buffer);
            if (bytes.length !== height * width) {
              throw new Error(`${name}.u8: ${bytes.length} bytes for ${height}×${width} pixels`);
            }
            // float32(k / 255), as load_sample gives it, held in a Float64Array for speed
            const pixels = new Float64Array(bytes.length);
            for (let k = 0; k < bytes.length; k++) pixels[k] = Math.fround(bytes[k] / 255);
            return { name, height, width, pixels };
          });
        loading.catch(() => this.images.delete(name)); // a failed load may be retried
        this.images.set(name, loading);
      }
      return this.images.get(name);
    }

    setImage(name) {
      if (!this.shapes || !has(this.shapes, name)) {
        const known = this.shapes ? Object.keys(this.shapes).join(", ") : "(still loading)";
        return Promise.reject(
          new Error("no sample named " + JSON.stringify(name) + "; choose from " + known),
        );
      }
      const token = ++this.token;
      return this.loadImage(name).then((image) => {
        if (token !== this.token) return; // a later choice won
        this.image = image;
        this.find("sample").value = name;
        const canvas = this.canvases.input;
        paint(canvas, image.pixels, image.width, image.height, GRAY_LUT, 0, 1);
        this.find("input-shape").textContent = fill(this.text.shape, {
          h: image.height,
          w: image.width,
        });
        this.update();
      });
    }

    // Check a kernel given as rows of numbers and make it the current one.
    applyKernel(kernelRows) {
      if (!Array.isArray(kernelRows) || !kernelRows.every(Array.isArray)) {
        throw new TypeError("a kernel is a list of rows, each a list of numbers");
      }
      const height = kernelRows.length;
      const width = height ? kernelRows[0].length : 0;
      if (!kernelRows.every((row) => row.length === width)) {
        throw new TypeError("ragged kernel: every row must have the same length");
      }
      const fits = (side) => side >= SIDES.min && side <= SIDES.max;
      if (!fits(height) || !fits(width)) {
        throw new RangeError(
          `a ${height}×${width} kernel; sides run from ${SIDES.min} to ${SIDES.max}`,
        );
      }
      const flat = kernelRows.flat();
      if (!flat.every(isWeight)) {
        throw new TypeError("kernel values must be finite numbers within float32's range");
      }
      this.kernel = { rows: height, cols: width, values: Float32Array.from(flat) };
      this.drawEditor();
    }

    kernelRows() {
      return rows(this.kernel.values, this.kernel.rows, this.kernel.cols);
    }

    // Compute the three stages and paint them: one "full update".
    update() {
      const image = this.image;
      if (!image) return;
      const { rows: kh, cols: kw, values: kernel } = this.kernel;
      const h = image.height - kh + 1;
      const w = image.width - kw + 1;
      const ph = h >> 1;
      const pw = w >> 1;
      let out = this.out;
      if (!out || out.h !== h || out.w !== w || out.wide.length !== h * image.width) {
        out = this.out = {
          h,
          w,
          ph,
          pw,
          wide: new Float64Array(h * image.width),
          conv: new Float32Array(h * w),
          relu: new Float32Array(h * w),
          pooled: new Float32Array(ph * pw),
        };
      }
      crossCorrelate(image.pixels, image.width, kernel, kh, kw, out.wide, out.conv, h, w);
      relu(out.conv, out.relu);
      maxPool2(out.relu, w, out.pooled, ph, pw);
      const [low, high] = extent(out.conv);
      out.low = low;
      out.high = high;
      out.pooledRange = extent(out.pooled);
      const limit = Math.max(Math.abs(low), Math.abs(high)) || 1;
      paint(this.canvases.conv, out.conv, w, h, DIVERGING_LUT, -limit, limit);
      paint(this.canvases.relu, out.relu, w, h, GRAY_LUT, 0, limit);
      paint(this.canvases.pooled, out.pooled, pw, ph, GRAY_LUT, 0, limit);
      this.showScales(limit);
      this.explain();
    }

    showScales(limit) {
      const out = this.out;
      const text = this.text;
      const shape = (h, w) => fill(text.shape, { h, w });
      this.find("conv-shape").textContent = shape(out.h, out.w);
      this.find("relu-shape").textContent = shape(out.h, out.w);
      this.find("pooled-shape").textContent = shape(out.ph, out.pw);
      const range = (low, high) => fill(text.range, { min: fixed(low, 4), max: fixed(high, 4) });
      this.find("conv-range").textContent = range(out.low, out.high);
      this.find("relu-range").textContent = range(Math.max(out.low, 0), Math.max(out.high, 0));
      this.find("pooled-range").textContent = range(...out.pooledRange);
      for (const end of this.root.querySelectorAll("[data-pg-scale]")) {
        const sign = Number(end.dataset.pgScale);
        end.textContent = sign === 0 ? "0" : fixed(sign * limit, 2);
      }
    }

    // -- Kernel editor --

    wireControls() {
      const sample = this.find("sample");
      for (const option of Array.from(sample.options)) {
        if (!has(this.shapes, option.value)) option.remove();
      }
      for (const name of Object.keys(this.shapes)) {
        if (!Array.from(sample.options).some((option) => option.value === name)) {
          sample.add(new Option(name, name));
        }
      }
      sample.addEventListener("change", () =>
        this.setImage(sample.value).catch((error) =>
          this.status(fill(this.text.loadError, { error: error.message })),
        ),
      );
      for (const axis of ["rows", "cols"]) {
        this.find(axis).addEventListener("change", () => this.resizeKernel());
      }
      for (const button of this.root.querySelectorAll("[data-preset]")) {
        if (!has(this.presets, button.dataset.preset)) {
          button.hidden = true;
          continue;
        }
        button.addEventListener("click", () => {
          this.applyKernel(this.presets[button.dataset.preset]);
          this.update();
        });
      }
      const grid = this.find("grid");
      grid.addEventListener("input", (event) => this.editCell(event.target, false));
      grid.addEventListener("change", (event) => this.editCell(event.target, true));
      for (const stage of STAGES) this.wireCanvas(stage);
    }

    resizeKernel() {
      const height = Number(this.find("rows").value);
      const width = Number(this.find("cols").value);
      const old = this.kernelRows();
      const resized = [];
      for (let i = 0; i < height; i++) {
        const row = [];
        for (let j = 0; j < width; j++)
          row.push(i < old.length && j < old[i].length ? old[i][j] : 0);
        resized.push(row);
      }
      this.applyKernel(resized);
      this.update();
    }

    drawEditor() {
      const { rows: height, cols: width, values } = this.kernel;
      this.find("rows").value = String(height);
      this.find("cols").value = String(width);
      const grid = this.find("grid");
      if (grid.childElementCount !== height * width || grid.dataset.cols !== String(width)) {
        grid.dataset.cols = String(width);
        grid.style.setProperty("--pg-cols", width);
        const cells = [];
        for (let i = 0; i < height; i++) {
          for (let j = 0; j < width; j++) {
            const input = document.createElement("input");
            input.type = "number";
            input.step = "any";
            input.className = "pg-cell";
            input.dataset.index = String(i * width + j);
            input.setAttribute("aria-label", fill(this.text.cell, { row: i, col: j }));
            cells.push(input);
          }
        }
        grid.replaceChildren(...cells);
      }
      for (const input of grid.children) {
        input.value = formatWeight(values[Number(input.dataset.index)]);
        input.removeAttribute("aria-invalid");
      }
      this.markPreset();
    }

    editCell(input, committed) {
      if (!input.classList.contains("pg-cell")) return;
      const value = input.valueAsNumber;
      const usable = isWeight(value);
      // An empty or unfinished cell ("-", "1e") counts as 0 until it holds a number. It is
      // marked invalid only once left unreadable, not while a number is being typed.
      const unreadable = input.validity.badInput || (!usable && input.value !== "");
      if (!unreadable) input.removeAttribute("aria-invalid");
      else if (committed || !input.validity.badInput) input.setAttribute("aria-invalid", "true");
      if (committed) return; // the value was used as it was typed
      this.kernel.values[Number(input.dataset.index)] = usable ? value : 0;
      this.markPreset();
      this.update();
    }

    markPreset() {
      if (!this.presets) return;
      const current = this.kernel;
      for (const button of this.root.querySelectorAll("[data-preset]")) {
        const preset = this.presets[button.dataset.preset];
        const same =
          preset &&
          preset.length === current.rows &&
          preset[0].length === current.cols &&
          Float32Array.from(preset.flat()).every((value, k) => value === current.values[k]);
        if (same) button.setAttribute("aria-current", "true");
        else button.removeAttribute("aria-current");
      }
    }

    // -- Explaining one output pixel --

    wireCanvas(stage) {
      const canvas = this.canvases[stage];
      const pick = (event) => {
        const box = canvas.getBoundingClientRect();
        const col = Math.floor(((event.clientX - box.left) / box.width) * canvas.width);
        const row = Math.floor(((event.clientY - box.top) / box.height) * canvas.height);
        if (row >= 0 && col >= 0 && row < canvas.height && col < canvas.width) {
          this.select(stage, row, col);
        }
      };
      canvas.addEventListener("pointermove", pick);
      canvas.addEventListener("pointerdown", pick);
      canvas.addEventListener("focus", () => this.select(stage, ...this.cursor[stage]));
      canvas.addEventListener("keydown", (event) => {
        const step = event.shiftKey ? 10 : 1;
        let [row, col] = this.cursor[stage];
        switch (event.key) {
          case "ArrowUp":
            row -= step;
            break;
          case "ArrowDown":
            row += step;
            break;
          case "ArrowLeft":
            col -= step;
            break;
          case "ArrowRight":
            col += step;
            break;
          case "Home":
            col = 0;
            if (event.ctrlKey) row = 0;
            break;
          case "End":
            col = canvas.width - 1;
            if (event.ctrlKey) row = canvas.height - 1;
            break;
          default:
            return;
        }
        event.preventDefault();
        this.select(stage, row, col);
      });
    }

    select(stage, row, col) {
      const canvas = this.canvases[stage];
      row = Math.max(0, Math.min(canvas.height - 1, row));
      col = Math.max(0, Math.min(canvas.width - 1, col));
      this.cursor[stage] = [row, col];
      this.selected = { stage, row, col };
      this.explain();
    }

    mark(stage, row, col, height, width) {
      const canvas = this.canvases[stage];
      const box = this.find(stage + "-mark");
      box.hidden = false;
      box.style.left = (100 * col) / canvas.width + "%";
      box.style.top = (100 * row) / canvas.height + "%";
      box.style.width = (100 * width) / canvas.width + "%";
      box.style.height = (100 * height) / canvas.height + "%";
    }

    explain() {
      for (const box of this.root.querySelectorAll(".pg-mark")) box.hidden = true;
      const summary = this.find("summary");
      const detail = this.find("detail");
      if (!this.selected || !this.out) {
        summary.textContent = this.text.hint;
        detail.replaceChildren();
        return;
      }
      let { stage, row, col } = this.selected;
      const canvas = this.canvases[stage];
      row = Math.min(row, canvas.height - 1); // the maps shrink when the kernel grows
      col = Math.min(col, canvas.width - 1);
      this.selected = { stage, row, col };
      this.cursor[stage] = [row, col];
      const parts = { conv: this.explainConv, relu: this.explainRelu, pooled: this.explainPool };
      const [said, html] = parts[stage].call(this, row, col);
      summary.textContent = said;
      detail.innerHTML = html;
      detail.dataset.stage = stage;
      detail.dataset.row = String(row);
      detail.dataset.col = String(col);
    }

    explainConv(row, col) {
      const text = this.text;
      const { rows: kh, cols: kw, values: kernel } = this.kernel;
      const image = this.image;
      const patch = [];
      const products = [];
      for (let u = 0; u < kh; u++) {
        for (let v = 0; v < kw; v++) {
          const x = image.pixels[(row + u) * image.width + col + v];
          patch.push(x);
          products.push(x * kernel[u * kw + v]);
        }
      }
      const value = this.out.conv[row * this.out.w + col];
      this.mark("conv", row, col, 1, 1);
      this.mark("input", row, col, kh, kw);
      const said = fill(text.convSummary, { row, col, value: fixed(value, 4) });
      const four = (x) => fixed(x, 4);
      const html =
        '<div class="pg-equation">' +
        table(text.patch, "patch", patch, kw, four) +
        operator("⊙") +
        table(text.kernel, "kernel", Array.from(kernel), kw, formatWeight) +
        operator("=") +
        table(text.products, "products", products, kw, four) +
        operator("→") +
        total(text.sum, "sum", fixed(value, 4)) +
        "</div>";
      return [said, html];
    }

    explainRelu(row, col) {
      const k = row * this.out.w + col;
      const input = fixed(this.out.conv[k], 4);
      const value = fixed(this.out.relu[k], 4);
      this.mark("relu", row, col, 1, 1);
      this.mark("conv", row, col, 1, 1);
      const said = fill(this.text.reluSummary, { row, col, input, value });
      const html =
        `<p class="pg-total">max(0, <output data-pg-value="input">${input}</output>) = ` +
        `<output data-pg-value="relu">${value}</output></p>`;
      return [said, html];
    }

    explainPool(row, col) {
      const out = this.out;
      const at = (i, j) => out.relu[(2 * row + i) * out.w + 2 * col + j];
      const block = [at(0, 0), at(0, 1), at(1, 0), at(1, 1)];
      const value = out.pooled[row * out.pw + col];
      const winner = block.indexOf(value); // the first of equal maxima
      this.mark("pooled", row, col, 1, 1);
      this.mark("relu", 2 * row, 2 * col, 2, 2);
      const said = fill(this.text.poolSummary, {
        row,
        col,
        values: block.map((x) => fixed(x, 4)).join(", "),
        value: fixed(value, 4),
      });
      const cell = (x, k) => (k === winner ? `<mark>${fixed(x, 4)}</mark>` : fixed(x, 4));
      const html =
        '<div class="pg-equation">' +
        table(this.text.window, "window", block, 2, cell) +
        operator("→") +
        total(this.text.winner, "max", fixed(value, 4)) +
        "</div>";
      return [said, html];
    }
  }

  // ---- The console API ----

  function api(playground) {
    const loaded = () => {
      if (!playground.image)
        throw new Error("the playground is still loading; await cnnvizPlayground.ready");
    };
    const ready = playground.ready.then(() => undefined);
    ready.catch(() => {}); // a failure is shown on the page; a caller may still await it
    return Object.freeze({
      ready,
      samples: () => Object.keys(playground.shapes || {}),
      setImage: (name) => playground.setImage(name),
      setKernel: (kernelRows) => {
        playground.applyKernel(kernelRows);
        playground.update();
      },
      kernel: () => playground.kernelRows(),
      image: () => {
        loaded();
        const { pixels, height, width } = playground.image;
        return rows(pixels, height, width);
      },
      result: () => {
        loaded();
        const out = playground.out;
        return {
          conv: rows(out.conv, out.h, out.w),
          relu: rows(out.relu, out.h, out.w),
          pooled: rows(out.pooled, out.ph, out.pw),
        };
      },
    });
  }

  function start() {
    const root = document.querySelector("[data-cnnviz-playground]");
    if (!root) return; // not the playground page: nothing to do
    const playground = new Playground(root);
    playground.start().catch(() => {}); // the status line reports a failure
    window.cnnvizPlayground = api(playground);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
