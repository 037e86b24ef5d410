/** The production preview server (what most specs use) and the dev server (`npm start`). */
export const PORT = Number(process.env['E2E_PORT'] ?? 4317);
export const DEV_PORT = PORT + 1;
