// Stands in, in the bundle, for two modules @aws-lite/client vendors and this project never needs (43 KB): XML
// parsing (DynamoDB, Secrets Manager and EventBridge answer in JSON) and AWS-JSON marshalling (every call passes
// `awsjson: false` and sends the service's own JSON). aws-lite tries to unmarshall a JSON answer and keeps the raw
// one when that throws, which it already does for every answer these services give (an item, a secret, events):
// throwing always keeps that behaviour. Aliased by esbuild.config.cjs.
const unused = (): never => {
  throw new Error('This build of @aws-lite/client neither marshalls AWS JSON nor parses XML.');
};

export const marshall = unused;
export const unmarshall = unused;
export class XMLParser {
  constructor() {
    unused();
  }
}
export const XMLBuilder = XMLParser;
