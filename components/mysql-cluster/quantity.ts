// Kubernetes resource quantities ("10Gi", "500m", "1.5G", "1e10") are strings in
// every setting; this parses them so validation and derived server settings
// (buffer pool from the memory limit) agree with what the API server accepts.
//
// The grammar is apimachinery's (staging/src/k8s.io/apimachinery/pkg/api/resource/
// quantity.go and suffix.go in kubernetes/kubernetes):
//   <quantity>        ::= <signedNumber><suffix>
//   <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
//   <signedNumber>    ::= <number> | <sign><number>
//   <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI>
//   <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei
//   <decimalSI>       ::= n | u | m | "" | k | M | G | T | P | E
//   <decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber>
// (suffix.go's interpret() reads the exponent with strconv.ParseInt, so it is a
// signed whole number). Like ParseQuantity, nothing is trimmed: "10Gi " is refused.

const QUANTITY = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;

const FACTORS: Record<string, number> = {
  "": 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The quantity's value in base units (bytes, cores), or undefined when the API server would not parse it. */
export function parseQuantity(text: string): number | undefined {
  if (typeof text !== "string") return undefined;
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  const suffix = match[2] ?? "";
  const factor = suffix in FACTORS ? FACTORS[suffix] : 10 ** Number(suffix.slice(1));
  const value = Number(match[1]) * factor;
  return Number.isFinite(value) ? value : undefined;
}
