export const handler = async event => ({ statusCode: 200, body: JSON.stringify({ hello: 'from the copied image', event }) });
