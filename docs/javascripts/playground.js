/* The playground: edit a filter, a padding and a stride, and watch convolution -> ReLU ->
 * 2×2 max pooling follow.
 *
 * The math mirrors torch's F.conv2d(x, w, padding=p, stride=s), F.relu and F.max_pool2d(x, 2):
 * a cross-correlation (the filter is not flipped) over the image framed by p zeros on every
 * side, taken every s pixels, so each side of the output is floor((n + 2p - k) / s) + 1; ReLU is
 * max(0, x); pooling keeps the largest value of each 2×2 block with stride 2, dropping a last odd
 * row or column. Pixels and weights are float32, as in torch; sums are taken in float64 and
 * stored as float32.
 *
 * The script is loaded on the playground page only. Its data (written by gen/playground.py)
 * sits in `playground/` at the site root, found relative to this file's own address, so it works
 * under any subpath. Words shown to the reader come from the page itself (a JSON block in the
 * markup), so the script holds no language.
 *
 * The reader may also open an image file of their own, with the picker or by dropping it on the
 * playground. It is decoded and made gray in the page, exactly as the lesson's OpenCV code does,
 * and never leaves the browser.
 */
(function () {
  "use strict";

  const SCRIPT = document.currentScript;
  const SIDES = { min: 2, max: 7 };
  const PADDINGS = { min: 0, max: 3 };
  const STRIDES = { min: 1, max: 3 };
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

  // ---- The layers, as in cnnviz.layers and torch.nn.functional ----

  // The output side of a convolution: floor((n + 2p - k) / s) + 1, as nn.Conv2d computes it.
  function convSide(side, kernel, padding, stride) {
    return Math.floor((side + 2 * padding - kernel) / stride) + 1;
  }

  // The image inside a frame of `padding` zeros, as a padded convolution reads it.
  function padImage(image, padding) {
    if (padding === 0) return image;
    const height = image.height + 2 * padding;
    const width = image.width + 2 * padding;
    const pixels = new Float64Array(height * width);
    for (let i = 0; i < image.height; i++) {
      const row = image.pixels.subarray(i * image.width, (i + 1) * image.width);
      pixels.set(row, (i + padding) * width + padding);
    }
    return { height, width, pixels };
  }

  // Add up to four taps of one kernel row to `sums`: sums[j] += w0 * x[q] + w1 * x[q + 1] + ...
  // for q = start + j * stride. Four weights held in locals, over a row that stays in the
  // cache, make this the fast inner loop; kernels of 2 to 7 columns are split into these.
  function addTaps4(sums, x, start, stride, count, w0, w1, w2, w3) {
    for (let j = 0, q = start; j < count; j++, q += stride) {
      sums[j] += w0 * x[q] + w1 * x[q + 1] + w2 * x[q + 2] + w3 * x[q + 3];
    }
  }

  function addTaps3(sums, x, start, stride, count, w0, w1, w2) {
    for (let j = 0, q = start; j < count; j++, q += stride) {
      sums[j] += w0 * x[q] + w1 * x[q + 1] + w2 * x[q + 2];
    }
  }

  function addTaps2(sums, x, start, stride, count, w0, w1) {
    for (let j = 0, q = start; j < count; j++, q += stride) sums[j] += w0 * x[q] + w1 * x[q + 1];
  }

  function addTaps1(sums, x, start, stride, count, w0) {
    for (let j = 0, q = start; j < count; j++, q += stride) sums[j] += w0 * x[q];
  }

  // Add one kernel row, weights k[at] to k[at + kw - 1], to the sums of one output row.
  function addKernelRow(sums, x, start, stride, count, k, at, kw) {
    let v = 0;
    for (; v + 4 <= kw; v += 4) {
      const a = at + v;
      if (k[a] || k[a + 1] || k[a + 2] || k[a + 3]) {
        addTaps4(sums, x, start + v, stride, count, k[a], k[a + 1], k[a + 2], k[a + 3]);
      }
    }
    const a = at + v;
    if (kw - v === 3) addTaps3(sums, x, start + v, stride, count, k[a], k[a + 1], k[a + 2]);
    else if (kw - v === 2) addTaps2(sums, x, start + v, stride, count, k[a], k[a + 1]);
    else if (kw - v === 1) addTaps1(sums, x, start + v, stride, count, k[a]);
  }

  // out[i, j] = sum over (u, v) of padded[i * stride + u, j * stride + v] * kernel[u, v]: the
  // kernel is not flipped. Each output row is summed in float64 in `sums`, then stored as
  // float32, one row at a time, so that the few image rows it reads stay in the cache.
  function crossCorrelate(padded, kernel, kh, kw, stride, sums, out, outHeight, outWidth) {
    const { pixels, width } = padded;
    for (let i = 0; i < outHeight; i++) {
      sums.fill(0, 0, outWidth);
      for (let u = 0; u < kh; u++) {
        addKernelRow(sums, pixels, (i * stride + u) * width, stride, outWidth, kernel, u * kw, kw);
      }
      const at = i * outWidth;
      for (let j = 0; j < outWidth; j++) out[at + j] = sums[j];
    }
  }

  // ---- The same convolution in WebAssembly, for stride 1 ----
  //
  // With stride 1 the playground's heaviest case, a 5×5 filter on the largest photo at full
  // size, takes about 4 ms in the loops above and under 1 ms here. It sums the same products
  // in float64, two neighbouring outputs at once (SIMD), so it differs from the loops above
  // only in the order of the additions. The module is assembled here, byte by byte, for one
  // filter width at a time (its taps unrolled): nothing is fetched and nothing is built. A
  // browser without WebAssembly SIMD uses the loops above.

  const I32 = 0x7f;
  const V128 = 0x7b;

  function uleb(n) {
    const bytes = [];
    do {
      bytes.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
      n >>>= 7;
    } while (n);
    return bytes;
  }

  function sleb(n) {
    const bytes = [];
    for (;;) {
      const low = n & 0x7f;
      n >>= 7;
      if ((n === 0 && !(low & 0x40)) || (n === -1 && low & 0x40)) return [...bytes, low];
      bytes.push(low | 0x80);
    }
  }

  const vec = (items) => [...uleb(items.length), ...items.flat()];
  const section = (id, bytes) => [id, ...uleb(bytes.length), ...bytes];
  const name = (text) => vec(Array.from(text, (c) => c.charCodeAt(0)));

  // The instructions used, by their WebAssembly names.
  const wasm = {
    get: (local) => [0x20, ...uleb(local)],
    set: (local) => [0x21, ...uleb(local)],
    const: (value) => [0x41, ...sleb(value)], // i32.const
    add: 0x6a, // i32.add
    mul: 0x6c, // i32.mul
    shl: 0x74, // i32.shl
    shrU: 0x76, // i32.shr_u
    ltU: 0x49, // i32.lt_u
    loop: (...body) => [0x03, 0x40, ...body, 0x0b], // a loop that repeats while br_if 0 jumps
    brIf: (depth) => [0x0d, ...uleb(depth)],
    f64Load: [0x2b, 3, 0], // align 8, offset 0
    f32DemoteF64: 0xb6,
    f32Store: [0x38, 2, 0], // align 4, offset 0
    v128Load: (offset) => [0xfd, 0x00, 3, ...uleb(offset)],
    v128Store: [0xfd, 0x0b, 3, 0],
    v128Load64Splat: (offset) => [0xfd, 0x0a, 3, ...uleb(offset)],
    v128Zero: [0xfd, 0x0c, ...new Array(16).fill(0)],
    f64x2Add: [0xfd, ...uleb(0xf0)],
    f64x2Mul: [0xfd, ...uleb(0xf2)],
  };

  // conv(px, width, k, kh, out, oh, ow, acc), every pointer a byte offset in the memory:
  // out[i, j] = sum over (u, v) of px[i + u, j + v] * k[u, v] for a filter `kw` wide. Each
  // output row is summed in `acc` (float64, ow + 1 wide), two columns at a time, then stored
  // in `out` as float32. It reads one float64 past the end of px, when ow is odd.
  function convModule(kw) {
    const [PX, WIDTH, K, KH, OUT, OH, OW, ACC] = [0, 1, 2, 3, 4, 5, 6, 7];
    const [I, U, A, SRC, PAIRS_END, O, KP, ROW_END] = [8, 9, 10, 11, 12, 13, 14, 15];
    const weight = (v) => 16 + v; // w[u, v] in both lanes of a v128
    const w = wasm;
    const bump = (local, by) => [w.get(local), w.const(by), w.add, w.set(local)];
    const loadWeights = [];
    const taps = [];
    for (let v = 0; v < kw; v++) {
      loadWeights.push(w.get(KP), w.v128Load64Splat(8 * v), w.set(weight(v)));
      taps.push(w.get(SRC), w.v128Load(8 * v), w.get(weight(v)), w.f64x2Mul, w.f64x2Add);
    }
    const body = [
      w.const(0), w.set(I), w.get(OUT), w.set(O),
      // PAIRS_END = acc + ceil(ow / 2) * 16 and ROW_END = acc + ow * 8
      w.get(ACC), w.get(OW), w.const(1), w.add, w.const(1), w.shrU, w.const(4), w.shl, w.add,
      w.set(PAIRS_END),
      w.get(ACC), w.get(OW), w.const(3), w.shl, w.add, w.set(ROW_END),
      w.loop(
        // acc = 0
        w.get(ACC), w.set(A),
        w.loop(
          w.get(A), w.v128Zero, w.v128Store, bump(A, 16),
          w.get(A), w.get(PAIRS_END), w.ltU, w.brIf(0),
        ),
        // for each filter row u: acc[j] += sum over v of px[i + u, j + v] * k[u, v]
        w.const(0), w.set(U),
        w.loop(
          w.get(K), w.get(U), w.const(8 * kw), w.mul, w.add, w.set(KP),
          loadWeights,
          w.get(PX), w.get(I), w.get(U), w.add, w.get(WIDTH), w.mul, w.const(3), w.shl, w.add,
          w.set(SRC),
          w.get(ACC), w.set(A),
          w.loop(
            w.get(A), w.get(A), w.v128Load(0), taps, w.v128Store,
            bump(A, 16), bump(SRC, 16),
            w.get(A), w.get(PAIRS_END), w.ltU, w.brIf(0),
          ),
          bump(U, 1), w.get(U), w.get(KH), w.ltU, w.brIf(0),
        ),
        // out row i = float32(acc)
        w.get(ACC), w.set(A),
        w.loop(
          w.get(O), w.get(A), w.f64Load, w.f32DemoteF64, w.f32Store,
          bump(A, 8), bump(O, 4),
          w.get(A), w.get(ROW_END), w.ltU, w.brIf(0),
        ),
        bump(I, 1), w.get(I), w.get(OH), w.ltU, w.brIf(0),
      ),
    ].flat(Infinity);
    const code = [...vec([[...uleb(8), I32], [...uleb(kw), V128]]), ...body, 0x0b];
    const params = new Array(8).fill(I32);
    return new Uint8Array([
      ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
      ...section(1, vec([[0x60, ...vec(params), ...vec([])]])), // type 0: (i32 × 8) -> ()
      ...section(2, vec([[...name("env"), ...name("memory"), 0x02, 0x00, 0x01]])),
      ...section(3, vec([[0x00]])), // function 0 has type 0
      ...section(7, vec([[...name("conv"), 0x00, 0x00]])), // exported as "conv"
      ...section(10, vec([[...uleb(code.length), ...code]])),
    ]);
  }

  // The WebAssembly path, with its own memory: [filter | acc | padded image | output].
  class FastConvolution {
    constructor() {
      this.memory = new WebAssembly.Memory({ initial: 1 });
      this.modules = new Map(); // filter width -> its instance's conv function
      this.image = null; // the padded image now in the memory
      this.conv(SIDES.max); // fails here, not later, where WebAssembly SIMD is missing
    }

    conv(kw) {
      if (!this.modules.has(kw)) {
        const module = new WebAssembly.Module(convModule(kw));
        const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
        this.modules.set(kw, instance.exports.conv);
      }
      return this.modules.get(kw);
    }

    // Lay out the memory for a padded image, growing it if need be, and copy the image in.
    place(padded) {
      const align = (bytes) => Math.ceil(bytes / 16) * 16;
      const acc = 8 * SIDES.max * SIDES.max; // after the filter, at most 7 × 7 float64
      const pixels = align(acc + 8 * (padded.width + 2));
      const out = align(pixels + 8 * (padded.pixels.length + 2));
      const end = out + 4 * padded.pixels.length; // an output is never larger than its input
      const short = end - this.memory.buffer.byteLength;
      if (short > 0) this.memory.grow(Math.ceil(short / 65536));
      new Float64Array(this.memory.buffer, pixels, padded.pixels.length).set(padded.pixels);
      this.layout = { acc, pixels, out };
      this.image = padded;
    }

    run(padded, kernel, kh, kw, out, outHeight, outWidth) {
      if (this.image !== padded) this.place(padded);
      const { acc, pixels, out: at } = this.layout;
      new Float64Array(this.memory.buffer, 0, kernel.length).set(kernel);
      this.conv(kw)(pixels, padded.width, 0, kh, at, outHeight, outWidth, acc);
      out.set(new Float32Array(this.memory.buffer, at, outHeight * outWidth));
    }
  }

  function fastConvolution() {
    try {
      return new FastConvolution();
    } catch (error) {
      return null; // no WebAssembly, or no SIMD: the JavaScript loops do it all
    }
  }

  // ReLU, max(0, x), of each value; returns the values' own [min, max], found in the same pass.
  function relu(values, out) {
    let low = Infinity;
    let high = -Infinity;
    for (let k = 0; k < values.length; k++) {
      const value = values[k];
      if (value < low) low = value;
      if (value > high) high = value;
      out[k] = value > 0 ? value : 0;
    }
    return [low, high];
  }

  // 2×2 max pooling with stride 2; returns the [min, max] of what it keeps.
  function maxPool2(values, width, out, outHeight, outWidth) {
    let low = Infinity;
    let high = -Infinity;
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
        if (best < low) low = best;
        if (best > high) high = best;
      }
    }
    return [low, high];
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

  // A small matrix as an HTML table; `format(value, index)` writes each cell, and a cell whose
  // index is in `faded` is drawn faded (a padding cell).
  function table(caption, kind, cells, width, format, faded = new Set()) {
    let body = "";
    for (let k = 0; k < cells.length; k += width) {
      const row = cells.slice(k, k + width).map((value, n) => {
        const mark = faded.has(k + n) ? ' class="pg-pad"' : "";
        return `<td${mark}>${format(value, k + n)}</td>`;
      });
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

  // ---- The output-size formula, with the current numbers, as MathML ----

  const mn = (value) => `<mn>${value}</mn>`;
  const mo = (symbol) => `<mo>${symbol}</mo>`;
  const math = (...parts) => `<math>${parts.join("")}</math>`;

  // ⌊(n + 2·p − k) / s⌋ + 1 = out, on one line: with no fraction, it needs no maths font
  function sideFormula(side, kernel, padding, stride, out) {
    const sum = [mn(side), mo("+"), mn(2), mo("·"), mn(padding), mo("−"), mn(kernel)];
    const floor = [mo("⌊"), mo("("), ...sum, mo(")"), mo("/"), mn(stride), mo("⌋")];
    return math(...floor, mo("+"), mn(1), mo("="), mn(out));
  }

  // ⌊h / 2⌋ × ⌊w / 2⌋ = ph × pw
  function poolFormula(h, w, ph, pw) {
    const half = (side) => [mo("⌊"), mn(side), mo("/"), mn(2), mo("⌋")].join("");
    return math(half(h), mo("×"), half(w), mo("="), mn(ph), mo("×"), mn(pw));
  }

  // ---- The reader's own image, read as cnnviz.images.decode_gray reads a file ----
  //
  // The file is decoded here, in the page, and goes nowhere: nothing is fetched or sent. The
  // browser decodes it, turning it upright by its EXIF orientation as cv2.imdecode does, and
  // asked to convert no colours, as OpenCV converts none. Then, as the lesson does with OpenCV,
  // it is made gray with COLOR_BGR2GRAY's integer weights, shrunk with INTER_AREA if its longer
  // side is over 512 pixels, and divided by 255. Every step gives exactly OpenCV's 8-bit levels.
  // Two things differ from the lesson: a transparent pixel's colour is lost in the canvas, so it
  // reads as black where cv2 would read the colour stored under it (and a half-transparent one
  // may be a level off), and a 16-bit image is read at 8 bits, its high byte, within 1/255 of
  // the lesson's value.

  const FILE_LIMITS = {
    bytes: 20 * 1024 * 1024, // checked before a byte is read
    pixels: 40000000, // cnnviz.images.MAX_PIXELS, checked before the pixels are read
    longSide: 512, // cnnviz.images.MAX_SIDE: a longer side above it is shrunk to it
    shortSide: SIDES.max + 1, // a 7×7 filter and 2×2 pooling need 8 pixels across
  };

  // COLOR_BGR2GRAY on 8-bit pixels: Y = (R·9798 + G·19235 + B·3735 + 2¹⁴) >> 15, OpenCV's
  // fixed-point form of 0.299 R + 0.587 G + 0.114 B, which it rounds differently.
  const GRAY_WEIGHTS = [9798, 19235, 3735];

  // A reason to refuse a file, named by its key in the page's strings.
  class Refusal extends Error {
    constructor(key, values) {
      super(key);
      this.key = key;
      this.values = values;
    }
  }

  // Round to the nearest whole number, a tie to the even one: Python's round() and OpenCV's
  // cvRound both do so.
  function roundHalfEven(x) {
    const r = Math.round(x);
    return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
  }

  function toLevel(x) {
    const level = roundHalfEven(x);
    return level < 0 ? 0 : level > 255 ? 255 : level;
  }

  function grayLevels(rgba, count) {
    const [wr, wg, wb] = GRAY_WEIGHTS;
    const levels = new Uint8Array(count);
    for (let k = 0, p = 0; k < count; k++, p += 4) {
      levels[k] = (rgba[p] * wr + rgba[p + 1] * wg + rgba[p + 2] * wb + 16384) >> 15;
    }
    return levels;
  }

  // The size an image is used at: cnnviz.images._shrink's rule. [height, width].
  function shrunkSize(height, width) {
    const longer = Math.max(height, width);
    if (longer <= FILE_LIMITS.longSide) return [height, width];
    const scale = FILE_LIMITS.longSide / longer;
    return [Math.max(1, roundHalfEven(height * scale)), Math.max(1, roundHalfEven(width * scale))];
  }

  // cv2.resize(levels, (dw, dh), interpolation=INTER_AREA) for 8-bit levels, when it shrinks:
  // OpenCV's three paths, each with its own rounding, give the same levels as OpenCV.
  function shrinkArea(levels, sh, sw, dh, dw) {
    const scaleX = 1 / (dw / sw); // as cv::resize computes it
    const scaleY = 1 / (dh / sh);
    const [ix, iy] = [roundHalfEven(scaleX), roundHalfEven(scaleY)];
    if (Math.abs(scaleX - ix) < Number.EPSILON && Math.abs(scaleY - iy) < Number.EPSILON) {
      if (ix === 2 && iy === 2) return halve(levels, sw, dh, dw);
      return averageBlocks(levels, sw, dh, dw, ix, iy);
    }
    return shrinkWeighted(levels, sw, dh, dw, areaTable(sw, dw, scaleX), areaTable(sh, dh, scaleY));
  }

  // Exactly half each way: (a + b + c + d + 2) >> 2.
  function halve(levels, sw, dh, dw) {
    const out = new Uint8Array(dh * dw);
    for (let y = 0; y < dh; y++) {
      for (let x = 0, a = 2 * y * sw; x < dw; x++, a += 2) {
        const below = a + sw;
        out[y * dw + x] = (levels[a] + levels[a + 1] + levels[below] + levels[below + 1] + 2) >> 2;
      }
    }
    return out;
  }

  // A whole number of pixels each way: the sum times float32(1 / area), rounded.
  function averageBlocks(levels, sw, dh, dw, ix, iy) {
    const out = new Uint8Array(dh * dw);
    const scale = Math.fround(1 / (ix * iy));
    for (let y = 0; y < dh; y++) {
      for (let x = 0; x < dw; x++) {
        let sum = 0;
        for (let v = 0; v < iy; v++) {
          const row = (y * iy + v) * sw + x * ix;
          for (let u = 0; u < ix; u++) sum += levels[row + u];
        }
        out[y * dw + x] = toLevel(Math.fround(sum * scale));
      }
    }
    return out;
  }

  // OpenCV's computeResizeAreaTab: each output pixel along one axis takes the input pixels it
  // overlaps, weighted by the overlap (float32), the first and last ones partly.
  function areaTable(ssize, dsize, scale) {
    const [from, to, weight] = [[], [], []];
    const tap = (source, target, alpha) => {
      from.push(source);
      to.push(target);
      weight.push(alpha);
    };
    for (let d = 0; d < dsize; d++) {
      const start = d * scale;
      const end = start + scale;
      const cell = Math.min(scale, ssize - start);
      const last = Math.min(Math.floor(end), ssize - 1);
      const first = Math.min(Math.ceil(start), last);
      if (first - start > 1e-3) tap(first - 1, d, (first - start) / cell);
      for (let s = first; s < last; s++) tap(s, d, 1 / cell);
      if (end - last > 1e-3) tap(last, d, Math.min(end - last, 1, cell) / cell);
    }
    const bounds = new Int32Array(dsize + 1); // output d takes taps bounds[d] to bounds[d + 1]
    for (const d of to) bounds[d + 1]++;
    for (let d = 0; d < dsize; d++) bounds[d + 1] += bounds[d];
    return {
      from: Int32Array.from(from),
      to: Int32Array.from(to),
      weight: Float32Array.from(weight), // float32, as OpenCV's DecimateAlpha holds it
      bounds,
    };
  }

  // OpenCV's resizeArea_<uchar, float>: each input row is summed across into `row`, then added
  // down into `sum`, every step rounded to float32 as OpenCV's float arithmetic does.
  function shrinkWeighted(levels, sw, dh, dw, across, down) {
    const out = new Uint8Array(dh * dw);
    const row = new Float32Array(dw);
    const sum = new Float32Array(dw);
    const f = Math.fround;
    const { from, weight, bounds } = across;
    let current = down.to[0];
    for (let j = 0; j < down.from.length; j++) {
      const [beta, dy, start] = [down.weight[j], down.to[j], down.from[j] * sw];
      for (let dx = 0; dx < dw; dx++) {
        let total = 0; // a float32 sum, held in a local: the taps of one output pixel
        for (let k = bounds[dx]; k < bounds[dx + 1]; k++) {
          total = f(total + f(levels[start + from[k]] * weight[k]));
        }
        row[dx] = total;
      }
      if (dy !== current) {
        for (let x = 0; x < dw; x++) {
          out[current * dw + x] = toLevel(sum[x]);
          sum[x] = beta * row[x];
        }
        current = dy;
      } else {
        for (let x = 0; x < dw; x++) sum[x] = sum[x] + f(beta * row[x]);
      }
    }
    for (let x = 0; x < dw; x++) out[current * dw + x] = toLevel(sum[x]);
    return out;
  }

  // The RGBA pixels of a decoded image, as stored in its file: no colour management.
  function readPixels(bitmap) {
    const { width, height } = bitmap;
    const canvas =
      typeof OffscreenCanvas === "function"
        ? new OffscreenCanvas(width, height)
        : Object.assign(document.createElement("canvas"), { width, height });
    const context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(bitmap, 0, 0);
    return context.getImageData(0, 0, width, height).data;
  }

  // A file as the playground's image: {name, height, width, pixels, original: [h, w]}, or a
  // Refusal. Its size is checked before any of it is read.
  async function readImageFile(file) {
    const name = file.name;
    if (file.size === 0) throw new Refusal("emptyFile", { name });
    if (file.size > FILE_LIMITS.bytes) {
      const size = Math.ceil((10 * file.size) / 2 ** 20) / 10;
      throw new Refusal("tooLarge", { name, size, limit: FILE_LIMITS.bytes / 2 ** 20 });
    }
    let bitmap;
    try {
      bitmap = await createImageBitmap(file, {
        imageOrientation: "from-image",
        colorSpaceConversion: "none",
        premultiplyAlpha: "none",
      });
    } catch (error) {
      throw new Refusal("notImage", { name });
    }
    try {
      return grayImage(name, bitmap);
    } finally {
      bitmap.close();
    }
  }

  function grayImage(name, bitmap) {
    const { height, width } = bitmap;
    const size = { name, h: height, w: width, min: FILE_LIMITS.shortSide };
    if (height * width > FILE_LIMITS.pixels) {
      const mp = Math.round((height * width) / 1e6);
      throw new Refusal("tooManyPixels", { name, mp, limit: FILE_LIMITS.pixels / 1e6 });
    }
    if (Math.min(height, width) < size.min) throw new Refusal("tooSmall", size);
    const [h, w] = shrunkSize(height, width);
    if (Math.min(h, w) < size.min) {
      throw new Refusal("tooThin", { ...size, max: FILE_LIMITS.longSide });
    }
    let levels = grayLevels(readPixels(bitmap), height * width);
    if (h !== height || w !== width) levels = shrinkArea(levels, height, width, h, w);
    // float32(k / 255), as decode_gray gives it, held in a Float64Array like the samples
    const pixels = new Float64Array(levels.length);
    for (let k = 0; k < levels.length; k++) pixels[k] = Math.fround(levels[k] / 255);
    return { name, height: h, width: w, pixels, original: [height, width] };
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
      this.own = null; // the reader's own image, once one is open
      this.padded = null; // the image framed by zeros, kept while the image and padding stay
      this.kernel = { rows: 0, cols: 0, values: new Float32Array(0) };
      this.padding = 0;
      this.stride = 1;
      this.out = null;
      this.fast = fastConvolution(); // null where the browser lacks WebAssembly SIMD
      root.dataset.engine = this.fast ? "wasm" : "js";
      this.sizes = ""; // what the output-size formula shows, so it is rewritten only on a change
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
          this.setPadding(Number(this.find("padding").value));
          this.setStride(Number(this.find("stride").value));
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
        this.find("sample").value = name;
        this.show(image);
      });
    }

    // Make an image the one convolved: draw it and update the maps.
    show(image) {
      this.image = image;
      this.padded = null;
      paint(this.canvases.input, image.pixels, image.width, image.height, GRAY_LUT, 0, 1);
      this.find("input-shape").textContent = fill(this.text.shape, {
        h: image.height,
        w: image.width,
      });
      this.update();
    }

    // Open the reader's own image file. On a refusal the image, filter and maps stay as they
    // were, the reason is shown in one line, and the promise fails with that line.
    openFile(file) {
      const token = ++this.token;
      const name = file.name;
      this.fileStatus(fill(this.text.fileReading, { name }), "busy");
      return readImageFile(file).then(
        (image) => {
          if (token !== this.token) return; // a later choice won
          this.own = image;
          const option = this.find("own");
          Object.assign(option, { hidden: false, disabled: false, selected: true });
          option.textContent = fill(this.text.ownOption, { name });
          this.show(image);
          const [h0, w0] = image.original;
          const shrunk = h0 !== image.height || w0 !== image.width;
          const size = { name, h0, w0, h: image.height, w: image.width };
          this.fileStatus(fill(this.text[shrunk ? "fileShrunk" : "fileOpened"], size), "done");
        },
        (error) => {
          const refused = error instanceof Refusal;
          const message = refused
            ? fill(this.text[error.key], error.values)
            : fill(this.text.fileError, { name, error: error.message });
          this.fileStatus(message, "error");
          throw new Error(message);
        },
      );
    }

    fileStatus(message, kind = "") {
      const line = this.find("file-status");
      line.textContent = message;
      line.dataset.kind = kind;
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

    // Check a whole number within `range` for `name` ("padding", "stride") and set it.
    setStep(name, value, range) {
      if (typeof value !== "number" || !Number.isInteger(value)) {
        throw new TypeError(`${name} must be a whole number, not ${JSON.stringify(value)}`);
      }
      if (value < range.min || value > range.max) {
        throw new RangeError(`${name} ${value}; it runs from ${range.min} to ${range.max}`);
      }
      this[name] = value;
      this.find(name).value = String(value);
    }

    setPadding(padding) {
      this.setStep("padding", padding, PADDINGS);
      this.padded = null;
    }

    setStride(stride) {
      this.setStep("stride", stride, STRIDES);
    }

    paddedImage() {
      if (!this.padded || this.padded.padding !== this.padding) {
        this.padded = { padding: this.padding, ...padImage(this.image, this.padding) };
      }
      return this.padded;
    }

    // Compute the three stages and paint them: one "full update".
    update() {
      const image = this.image;
      if (!image) return;
      const { rows: kh, cols: kw, values } = this.kernel;
      const [padding, stride] = [this.padding, this.stride];
      const h = convSide(image.height, kh, padding, stride);
      const w = convSide(image.width, kw, padding, stride);
      const [ph, pw] = [h >> 1, w >> 1];
      let out = this.out;
      if (!out || out.h !== h || out.w !== w) {
        out = this.out = {
          h,
          w,
          ph,
          pw,
          sums: new Float64Array(w),
          conv: new Float32Array(h * w),
          relu: new Float32Array(h * w),
          pooled: new Float32Array(ph * pw),
        };
      }
      const weights = Float64Array.from(values);
      const padded = this.paddedImage();
      if (stride === 1 && this.fast) this.fast.run(padded, weights, kh, kw, out.conv, h, w);
      else crossCorrelate(padded, weights, kh, kw, stride, out.sums, out.conv, h, w);
      [out.low, out.high] = relu(out.conv, out.relu);
      out.pooledRange = maxPool2(out.relu, w, out.pooled, ph, pw);
      const limit = Math.max(Math.abs(out.low), Math.abs(out.high)) || 1;
      paint(this.canvases.conv, out.conv, w, h, DIVERGING_LUT, -limit, limit);
      // One signed color rule for every map, as in the lesson's figures: 0 is white.
      paint(this.canvases.relu, out.relu, w, h, DIVERGING_LUT, -limit, limit);
      paint(this.canvases.pooled, out.pooled, pw, ph, DIVERGING_LUT, -limit, limit);
      this.showScales(limit);
      this.showSizes();
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

    // The output-size formula for each side, with this image, filter, padding and stride.
    showSizes() {
      const { image, out, padding, stride } = this;
      const { rows: kh, cols: kw } = this.kernel;
      const line = (kind, label, value, math) =>
        `<p class="pg-size" data-pg-size="${kind}" data-value="${value}">` +
        `<span class="pg-size-label">${escapeHtml(label)}</span> ${math}</p>`;
      const text = this.text;
      const pooled = `${out.ph}×${out.pw}`;
      const html =
        line("height", text.height, out.h, sideFormula(image.height, kh, padding, stride, out.h)) +
        line("width", text.width, out.w, sideFormula(image.width, kw, padding, stride, out.w)) +
        line("pooled", text.pooledSize, pooled, poolFormula(out.h, out.w, out.ph, out.pw));
      if (html !== this.sizes) this.find("sizes").innerHTML = this.sizes = html;
    }

    // -- Controls and kernel editor --

    wireControls() {
      const sample = this.find("sample");
      const own = this.find("own"); // the reader's image, listed once there is one
      for (const option of Array.from(sample.options)) {
        if (option !== own && !has(this.shapes, option.value)) option.remove();
      }
      for (const name of Object.keys(this.shapes)) {
        if (!Array.from(sample.options).some((option) => option.value === name)) {
          sample.add(new Option(name, name), own);
        }
      }
      sample.addEventListener("change", () => {
        if (own.selected) {
          this.token++; // a sample still loading must not replace it
          this.show(this.own);
          return;
        }
        this.setImage(sample.value).then(
          () => this.fileStatus(""),
          (error) => this.status(fill(this.text.loadError, { error: error.message })),
        );
      });
      this.wireFiles();
      for (const axis of ["rows", "cols"]) {
        this.find(axis).addEventListener("change", () => this.resizeKernel());
      }
      const steps = {
        padding: (value) => this.setPadding(value),
        stride: (value) => this.setStride(value),
      };
      for (const [name, set] of Object.entries(steps)) {
        const menu = this.find(name);
        menu.addEventListener("change", () => {
          set(Number(menu.value));
          this.update();
        });
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

    // The file picker, and a file dropped anywhere on the playground.
    wireFiles() {
      const picker = this.find("file");
      picker.addEventListener("change", () => {
        const file = picker.files[0];
        picker.value = ""; // so that choosing the same file again opens it again
        if (file) this.openFile(file).catch(() => {}); // the status line says why
      });
      // Space opens a file input; Enter, which a button-like label invites, does not in Chrome,
      // where click() from a keydown is also refused for want of a user activation.
      picker.addEventListener("keydown", (event) => {
        if (event.key !== "Enter") return;
        event.preventDefault();
        try {
          picker.showPicker();
        } catch (error) {
          picker.click(); // a browser without showPicker, or one that refuses it here
        }
      });
      const root = this.root;
      const over = (event) => {
        if (!carriesFiles(event)) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = "copy";
        root.classList.add("pg--drop");
      };
      root.addEventListener("dragenter", over);
      root.addEventListener("dragover", over);
      root.addEventListener("dragleave", (event) => {
        if (!root.contains(event.relatedTarget)) root.classList.remove("pg--drop");
      });
      root.addEventListener("drop", (event) => {
        if (!carriesFiles(event)) return;
        event.preventDefault();
        root.classList.remove("pg--drop");
        const file = event.dataTransfer.files[0];
        if (file) this.openFile(file).catch(() => {});
      });
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

    // Outline rows top..top+height-1 and columns left..left+width-1 of a map, clipped to it.
    // The outlined part is also written on the outline, as data-top and so on.
    mark(stage, top, left, height, width) {
      const canvas = this.canvases[stage];
      const box = this.find(stage + "-mark");
      const bottom = Math.min(top + height, canvas.height);
      const right = Math.min(left + width, canvas.width);
      [top, left] = [Math.max(top, 0), Math.max(left, 0)];
      if (bottom <= top || right <= left) return; // all of it lies in the padding
      Object.assign(box.dataset, { top, left, height: bottom - top, width: right - left });
      box.hidden = false;
      box.style.left = (100 * left) / canvas.width + "%";
      box.style.top = (100 * top) / canvas.height + "%";
      box.style.width = (100 * (right - left)) / canvas.width + "%";
      box.style.height = (100 * (bottom - top)) / canvas.height + "%";
    }

    // Where the filter's top-left cell sits on the input for output pixel (row, col); it is
    // negative, or past the far edge, in the padding.
    origin(row, col) {
      return [row * this.stride - this.padding, col * this.stride - this.padding];
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
      row = Math.min(row, canvas.height - 1); // the maps change size with the settings
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
      const { image, padding, stride } = this;
      const padded = this.paddedImage();
      const [top, left] = this.origin(row, col);
      const patch = [];
      const products = [];
      const outside = new Set();
      for (let u = 0; u < kh; u++) {
        for (let v = 0; v < kw; v++) {
          const x = padded.pixels[(row * stride + u) * padded.width + col * stride + v];
          const [i, j] = [top + u, left + v];
          if (i < 0 || j < 0 || i >= image.height || j >= image.width) outside.add(patch.length);
          patch.push(x);
          products.push(x * kernel[u * kw + v]);
        }
      }
      const value = this.out.conv[row * this.out.w + col];
      this.mark("conv", row, col, 1, 1);
      this.mark("input", top, left, kh, kw);
      const said = fill(text.convSummary, { row, col, value: fixed(value, 4), top, left });
      const four = (x) => fixed(x, 4);
      const where = fill(text.origin, { row, col, top, left, stride, padding });
      const note = outside.size ? `<p class="pg-note">${escapeHtml(text.padNote)}</p>` : "";
      const html =
        `<p class="pg-where">${escapeHtml(where)}</p>` +
        '<div class="pg-equation">' +
        table(text.patch, "patch", patch, kw, four, outside) +
        operator("⊙") +
        table(text.kernel, "kernel", Array.from(kernel), kw, formatWeight) +
        operator("=") +
        table(text.products, "products", products, kw, four, outside) +
        operator("→") +
        total(text.sum, "sum", fixed(value, 4)) +
        "</div>" +
        note;
      return [said, html];
    }

    explainRelu(row, col) {
      const k = row * this.out.w + col;
      const input = fixed(this.out.conv[k], 4);
      const value = fixed(this.out.relu[k], 4);
      const [top, left] = this.origin(row, col);
      this.mark("relu", row, col, 1, 1);
      this.mark("conv", row, col, 1, 1);
      this.mark("input", top, left, this.kernel.rows, this.kernel.cols);
      const said = fill(this.text.reluSummary, { row, col, input, value });
      const html =
        `<p class="pg-total">max(0, <output data-pg-value="input">${input}</output>) = ` +
        `<output data-pg-value="relu">${value}</output></p>`;
      return [said, html];
    }

    // The input pixels a pooled pixel depends on: the union of the windows of its 2×2 block,
    // s + kh rows by s + kw columns, clipped to the image (the rest is padding).
    receptiveField(row, col) {
      const [top, left] = this.origin(2 * row, 2 * col);
      const height = this.stride + this.kernel.rows;
      const width = this.stride + this.kernel.cols;
      const { height: imageHeight, width: imageWidth } = this.image;
      const inside = {
        top: Math.max(top, 0),
        left: Math.max(left, 0),
        bottom: Math.min(top + height, imageHeight) - 1,
        right: Math.min(left + width, imageWidth) - 1,
      };
      return { top, left, height, width, inside };
    }

    explainPool(row, col) {
      const out = this.out;
      const text = this.text;
      const at = (i, j) => out.relu[(2 * row + i) * out.w + 2 * col + j];
      const block = [at(0, 0), at(0, 1), at(1, 0), at(1, 1)];
      const value = out.pooled[row * out.pw + col];
      const winner = block.indexOf(value); // the first of equal maxima
      const field = this.receptiveField(row, col);
      const { top, left, bottom, right } = field.inside;
      this.mark("pooled", row, col, 1, 1);
      this.mark("relu", 2 * row, 2 * col, 2, 2);
      this.mark("conv", 2 * row, 2 * col, 2, 2);
      this.mark("input", field.top, field.left, field.height, field.width);
      const clipped = bottom - top + 1 !== field.height || right - left + 1 !== field.width;
      const fieldText = fill(clipped ? text.fieldClipped : text.field, {
        h: field.height,
        w: field.width,
        top,
        left,
        bottom,
        right,
        ih: bottom - top + 1,
        iw: right - left + 1,
      });
      const values = block.map((x) => fixed(x, 4)).join(", ");
      const said = fill(text.poolSummary, { row, col, values, value: fixed(value, 4) });
      const cell = (x, k) => (k === winner ? `<mark>${fixed(x, 4)}</mark>` : fixed(x, 4));
      const html =
        '<div class="pg-equation">' +
        table(text.window, "window", block, 2, cell) +
        operator("→") +
        total(text.winner, "max", fixed(value, 4)) +
        "</div>";
      return [said + " " + fieldText, html];
    }
  }

  function carriesFiles(event) {
    return Boolean(event.dataTransfer) && Array.from(event.dataTransfer.types).includes("Files");
  }

  // A file dropped beside the playground would replace the page with the file; it does nothing.
  function guardDrops() {
    for (const type of ["dragover", "drop"]) {
      document.addEventListener(type, (event) => {
        if (!carriesFiles(event) || event.defaultPrevented) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = "none";
      });
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
    const thenUpdate = (change) => (value) => {
      change(value);
      playground.update();
    };
    return Object.freeze({
      ready,
      samples: () => Object.keys(playground.shapes || {}),
      setImage: (name) => playground.setImage(name),
      setImageFile: (file) => playground.openFile(file),
      setKernel: thenUpdate((kernelRows) => playground.applyKernel(kernelRows)),
      setPadding: thenUpdate((padding) => playground.setPadding(padding)),
      setStride: thenUpdate((stride) => playground.setStride(stride)),
      kernel: () => playground.kernelRows(),
      padding: () => playground.padding,
      stride: () => playground.stride,
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
    guardDrops();
    playground.start().catch(() => {}); // the status line reports a failure
    window.cnnvizPlayground = api(playground);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
