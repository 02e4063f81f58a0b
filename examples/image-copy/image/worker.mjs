import { handler } from './index.mjs';
setInterval(async () => console.log(JSON.stringify(await handler({ source: 'ecs' }))), 60_000);
