/**
 * What never reaches a log line, for every process (api and worker share this list). A secret field is
 * censored at the top of the logged object and one level down (`{ registry: { password } }`), which is
 * how a service passes an entity or a request body to the logger.
 */
const SECRET_FIELDS = ['password', 'secret', 'access_secret', 'accessSecret', 'auth_header', 'authorization', 'credential'];

/** Request and response fields that carry credentials in pino-http's request lines. */
const REQUEST_FIELDS = ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'req.query.token'];

export const LOG_REDACTION = {
  paths: [...REQUEST_FIELDS, ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`])],
  censor: '*****',
};
