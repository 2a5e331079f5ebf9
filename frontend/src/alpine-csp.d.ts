// @alpinejs/csp ships no types; it is Alpine without the expression evaluator that needs eval,
// with the same API.
declare module "@alpinejs/csp" {
  import Alpine from "alpinejs";
  export default Alpine;
}
