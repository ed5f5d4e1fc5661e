// whatsapp-web.js pulls in puppeteer; its browser download cannot work offline.
// The hub uses the system chromium (PUPPETEER_EXECUTABLE_PATH or /usr/bin/chromium).
module.exports = { skipDownload: true };
