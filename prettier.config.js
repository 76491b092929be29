// Prettier formats the TypeScript (see the lint script for the files): the code's own style, lines up to 160.
/** @type {import('prettier').Config} */
export default {
  printWidth: 160,
  singleQuote: true,
};
