// dengbao prints PDFs with the system's Chromium through puppeteer-core: never download a browser.
module.exports = { skipDownload: true };
