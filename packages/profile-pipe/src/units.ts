/**
 * Units of measure. A quantity's unit is part of its field name (`thicknessMm`, `headM`,
 * `testPressureMPa`), so a body can never carry a number whose unit is ambiguous, and a value in
 * the wrong unit arrives under the wrong name and is refused with a pointer to the right one.
 */
export const UNITS = {
  mm: { suffix: 'Mm', label: 'millimetres (mm)' },
  m: { suffix: 'M', label: 'metres (m)' },
  m3: { suffix: 'M3', label: 'cubic metres (m³)' },
  MPa: { suffix: 'MPa', label: 'megapascals (MPa)' },
  kPa: { suffix: 'KPa', label: 'kilopascals (kPa)' },
  'kN/m2': { suffix: 'KNPerM2', label: 'kilonewtons per square metre (kN/m²)' },
  '%': { suffix: 'Pct', label: 'per cent (%)' },
  '‰': { suffix: 'Permille', label: 'per mille (‰)' },
  min: { suffix: 'Min', label: 'minutes (min)' },
  years: { suffix: 'Years', label: 'years' },
  'L/(min·km)': { suffix: 'LPerMinKm', label: 'litres per minute per kilometre (L/(min·km))' },
  '°C': { suffix: 'C', label: 'degrees Celsius (°C)' },
  NTU: { suffix: 'Ntu', label: 'nephelometric turbidity units (NTU)' },
  'mg/L': { suffix: 'MgPerL', label: 'milligrams per litre (mg/L)' },
  'CFU/100mL': { suffix: 'CfuPer100mL', label: 'colony-forming units per 100 mL' },
  CNY: { suffix: 'Cny', label: 'yuan (CNY)' },
  deg: { suffix: 'Deg', label: 'degrees (WGS 84)' },
  ms: { suffix: 'At', label: 'milliseconds since the Unix epoch (UTC)' },
  count: { suffix: '', label: 'count' },
  index: { suffix: '', label: 'dimensionless index' },
  class: { suffix: '', label: 'accuracy class' },
} as const;

export type Unit = keyof typeof UNITS;

// Longest first, so `KPa` is not read as `Pa` and `LPerMinKm` not as `Km`.
const SUFFIXES = [
  ...new Set<string>(
    Object.values(UNITS)
      .map((u) => u.suffix)
      .filter((s) => s !== ''),
  ),
]
  .concat(['Km', 'Cm', 'H', 'S', 'Days', 'Kg', 'Pa', 'Percent', 'L'])
  .sort((a, b) => b.length - a.length);

/** The name without its unit suffix: `thicknessMm` → `thickness`. */
export function fieldStem(name: string): string {
  for (const suffix of SUFFIXES) {
    if (name.length > suffix.length && name.endsWith(suffix)) return name.slice(0, -suffix.length);
  }
  return name;
}

export function unitLabel(unit: string): string {
  return (UNITS as Record<string, { label: string }>)[unit]?.label ?? unit;
}
