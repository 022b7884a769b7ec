// Renders a PDF's pages into canvases with pdf.js, served by vanthu-server from web/node_modules
// (the version pinned in web/package-lock.json; no CDN). Loaded on demand.

let pdfjs = null;

async function library() {
  if (!pdfjs) {
    pdfjs = await import('/web/pdfjs/pdf.min.mjs');
    pdfjs.GlobalWorkerOptions.workerSrc = '/web/pdfjs/pdf.worker.min.mjs';
  }
  return pdfjs;
}

/// Draws up to `maxPages` pages of `bytes` (an ArrayBuffer, copied: pdf.js takes its input) into
/// `container`; resolves with the number of pages of the document.
export async function renderPdf(container, bytes, maxPages = 5) {
  const lib = await library();
  const task = lib.getDocument({ data: new Uint8Array(bytes.slice(0)), isEvalSupported: false });
  const pdf = await task.promise;
  container.replaceChildren();
  const width = Math.max(320, Math.min(container.clientWidth || 700, 900));
  for (let number = 1; number <= Math.min(pdf.numPages, maxPages); number++) {
    const page = await pdf.getPage(number);
    const unscaled = page.getViewport({ scale: 1 });
    const ratio = window.devicePixelRatio || 1;
    const viewport = page.getViewport({ scale: (width / unscaled.width) * ratio });
    const canvas = document.createElement('canvas');
    canvas.width = Math.floor(viewport.width);
    canvas.height = Math.floor(viewport.height);
    canvas.style.width = `${Math.floor(viewport.width / ratio)}px`;
    canvas.setAttribute('aria-label', `page ${number}`);
    canvas.dataset.page = String(number);
    container.append(canvas);
    await page.render({ canvas, canvasContext: canvas.getContext('2d'), viewport }).promise;
  }
  container.dataset.rendered = String(pdf.numPages);
  return pdf.numPages;
}

/// Opens `bytes` (an ArrayBuffer, copied) for page-by-page rendering with renderPage.
export async function openPdf(bytes) {
  const lib = await library();
  return lib.getDocument({ data: new Uint8Array(bytes.slice(0)), isEvalSupported: false }).promise;
}

/// Draws page `number` of `pdf` (from openPdf) into `canvas`, `cssWidth` CSS pixels wide; resolves
/// with the page's size in PDF points (`width`, `height`), `scale` (CSS pixels per point) and
/// `toPdf(left, top)`, which turns a CSS pixel offset from the canvas's top left into PDF user
/// space (points; the page's rotation and the origin of its box taken into account).
export async function renderPage(canvas, pdf, number, cssWidth) {
  const page = await pdf.getPage(number);
  const unscaled = page.getViewport({ scale: 1 });
  const scale = cssWidth / unscaled.width;
  const ratio = window.devicePixelRatio || 1;
  const viewport = page.getViewport({ scale: scale * ratio });
  canvas.width = Math.floor(viewport.width);
  canvas.height = Math.floor(viewport.height);
  canvas.style.width = `${cssWidth}px`;
  canvas.style.height = `${unscaled.height * scale}px`;
  canvas.dataset.page = String(number);
  await page.render({ canvas, canvasContext: canvas.getContext('2d'), viewport }).promise;
  const cssViewport = page.getViewport({ scale });
  return {
    width: unscaled.width,
    height: unscaled.height,
    scale,
    pages: pdf.numPages,
    toPdf: (left, top) => cssViewport.convertToPdfPoint(left, top),
    toCss: (x, y) => cssViewport.convertToViewportPoint(x, y),
  };
}
