export { type FormCheck, type FormFailure, FormSpecError } from "./form.js";
export { MAX_PATH_LENGTH, compilePathForm, isUnder, normalisePath, validatePathForm } from "./path.js";
export { DEFAULT_SCHEMES, compileUrlForm, validateUrlForm } from "./url.js";
export { compileEmailForm, normaliseEmail, validateEmailForm } from "./email.js";
