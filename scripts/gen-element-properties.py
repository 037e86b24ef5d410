#!/usr/bin/env python3
"""Generate src/data/elementProperties.ts from pymatgen's bundled element data.

Run by hand (never by tests or CI), from the repository root, with a Python that has pymatgen:

    /usr/bin/python3 scripts/gen-element-properties.py            # writes src/data/elementProperties.ts
    /usr/bin/python3 scripts/gen-element-properties.py --check    # exit 1 if the file would change

On Debian 12 that Python's pymatgen is the `python3-pymatgen` package (2022.11.7). pymatgen is MIT licensed
(Copyright 2011-2020 Shyue Ping Ong and the Pymatgen Development Team); the generated file says so.

What is taken from where (Z = 1 ... 100; anything unknown becomes `null`):

- group, period, block -- pymatgen `Element.group`, `Element.row`, `Element.block`, except He, whose block is
  written 's' (its ground state is 1s2; pymatgen derives the block from group 18 and says 'p'). pymatgen puts
  La-Yb and Ac-No in the f block with group 3; Lu and Lr are d block, group 3.
- Pauling electronegativity -- periodic_table.json key "X" (none for He, Ne, Ar).
- covalent radius -- pymatgen.analysis.molecule_structure_comparator.CovalentRadius.radius (Cordero et al.,
  Dalton Trans. 2008, 2832-2838), in Angstrom, written in pm; none beyond Cm (Z = 96).
- valence electrons -- counted from periodic_table.json "Electronic structure" (noble-gas core expanded):
  electrons in the s and p subshells of the outermost shell (n = period) plus, for d-block elements, the
  (n-1)d subshell. So s/p block: s+p of the last shell (He 2, Ne 8); d block: d+s (= group number, Pd 10);
  f block: the outer s pair only (2; 4f/5f and the lone 5d/6d electron of La, Ce, Gd, Ac, Pa, U, Np, Cm are
  not counted), which is what cgcnn's atom_init.json encodes.
- first ionization energy -- periodic_table.json "Ionization energies"[0], eV.
- electron affinity -- periodic_table.json "Electron affinity", eV (negative = unbound anion; those values are
  estimates, e.g. -0.52 for He, Be, Mn, Hg).
- molar volume -- periodic_table.json "Molar volume" ("7.09 cm<sup>3</sup>"), cm3/mol ("no data" -> null).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import math
import re
import sys
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")  # pymatgen warns about missing electronegativities (He, Ne, Ar)

import pymatgen.core.periodic_table as pt_module  # noqa: E402
from pymatgen.analysis.molecule_structure_comparator import CovalentRadius  # noqa: E402
from pymatgen.core.periodic_table import Element  # noqa: E402

MAX_Z = 100
OUT = Path(__file__).resolve().parent.parent / "src" / "data" / "elementProperties.ts"
NOBLE_CORES = {"He": "1s2", "Ne": "[He].2s2.2p6", "Ar": "[Ne].3s2.3p6", "Kr": "[Ar].3d10.4s2.4p6",
               "Xe": "[Kr].4d10.5s2.5p6", "Rn": "[Xe].4f14.5d10.6s2.6p6"}


def orbitals(structure: str) -> list[tuple[int, str, int]]:
    """(n, l-letter, electrons) of an electronic-structure string such as '[Ar].3d<sup>6</sup>.4s<sup>2</sup>'."""
    text = re.sub(r"</?sup>", "", structure)
    out: list[tuple[int, str, int]] = []
    for part in text.split("."):
        core = re.fullmatch(r"\[(\w+)\]", part)
        if core:
            out.extend(orbitals(NOBLE_CORES[core.group(1)]))
            continue
        m = re.fullmatch(r"(\d+)([spdf])(\d+)", part)
        if not m:
            raise ValueError(f"cannot read orbital {part!r} in {structure!r}")
        out.append((int(m.group(1)), m.group(2), int(m.group(3))))
    return out


def finite(x: object) -> float | None:
    if isinstance(x, (int, float)) and math.isfinite(float(x)):
        return float(x)
    return None


def molar_volume(x: object) -> float | None:
    if not isinstance(x, str):
        return finite(x)
    m = re.match(r"\s*([0-9.]+)\s*cm<sup>3</sup>", x)
    return float(m.group(1)) if m else None


def fmt(values: list, digits: int | None = None) -> str:
    def one(v):
        if v is None:
            return "null"
        if isinstance(v, str):
            return f"'{v}'"
        if digits is None:
            return str(int(v))
        s = f"{v:.{digits}f}".rstrip("0").rstrip(".")
        return s if s not in ("-0", "") else "0"

    return "[" + ",".join(one(v) for v in values) + "]"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the generated file would change")
    args = ap.parse_args()

    json_path = Path(pt_module.__file__).with_name("periodic_table.json")
    raw = json_path.read_bytes()
    table = json.loads(raw)
    version = importlib.metadata.version("pymatgen")

    cols: dict[str, list] = {k: [None] for k in ("group", "period", "block", "x", "cov", "val", "ie", "ea", "vol")}
    for z in range(1, MAX_Z + 1):
        el = Element.from_Z(z)
        d = table[el.symbol]
        block = "s" if el.symbol == "He" else el.block
        cols["group"].append(el.group)
        cols["period"].append(el.row)
        cols["block"].append(block)
        cols["x"].append(finite(d.get("X")))
        cov = CovalentRadius.radius.get(el.symbol)
        cols["cov"].append(None if cov is None else round(cov * 100))
        orbs = orbitals(d["Electronic structure"])
        n_out = el.row
        val = sum(e for n, l, e in orbs if n == n_out and l in "sp")
        if block == "d":
            val += sum(e for n, l, e in orbs if n == n_out - 1 and l == "d")
        cols["val"].append(val)
        ies = d.get("Ionization energies") or []
        cols["ie"].append(finite(ies[0]) if ies else None)
        cols["ea"].append(finite(d.get("Electron affinity")))
        cols["vol"].append(molar_volume(d.get("Molar volume")))

    sha = hashlib.sha256(raw).hexdigest()
    gaps = {k: [Element.from_Z(z).symbol for z in range(1, MAX_Z + 1) if cols[k][z] is None] for k in cols}

    def gap_line(key: str) -> str:
        return ", ".join(gaps[key]) if gaps[key] else "none"

    ts = f"""/**
 * Element properties for Z = 1…{MAX_Z}, for the lab's own CGCNN-style atom encoding (`atomEncoding.ts`) and the
 * synthetic teaching set (`synthetic.ts`).
 *
 * GENERATED FILE — do not edit by hand. Regenerate with `/usr/bin/python3 scripts/gen-element-properties.py`
 * (see that script for every rule).
 * Source: pymatgen {version} (Debian python3-pymatgen), `pymatgen/core/periodic_table.json`
 * (sha256 {sha}) and `pymatgen.analysis.molecule_structure_comparator.CovalentRadius`.
 * pymatgen is MIT licensed: Copyright (c) 2011-2020 Shyue Ping Ong and the Pymatgen Development Team.
 * These data are redistributed here under the same MIT license.
 *
 * Every array is indexed by atomic number Z (index 0 is a placeholder `null`); `null` = unknown.
 *
 * | array | meaning | unit | pymatgen source | unknown (null) for |
 * | --- | --- | --- | --- | --- |
 * | GROUP | IUPAC group 1–18 (La–Yb and Ac–No: 3, as pymatgen) | — | `Element.group` | {gap_line('group')} |
 * | PERIOD | period (row) 1–7 | — | `Element.row` | {gap_line('period')} |
 * | BLOCK | s, p, d or f (He written 's'; pymatgen says 'p') | — | `Element.block` | {gap_line('block')} |
 * | ELECTRONEGATIVITY | Pauling electronegativity | — | json "X" | {gap_line('x')} |
 * | COVALENT_RADIUS_PM | covalent radius, Cordero et al. 2008 | pm | `CovalentRadius.radius` (Å × 100) | {gap_line('cov')} |
 * | VALENCE_ELECTRONS | s+p electrons of the outer shell, + (n−1)d for the d block (f block: outer s only) | — | json "Electronic structure" | {gap_line('val')} |
 * | IONIZATION_ENERGY_EV | first ionization energy | eV | json "Ionization energies"[0] | {gap_line('ie')} |
 * | ELECTRON_AFFINITY_EV | electron affinity (negative: unbound anion, an estimate) | eV | json "Electron affinity" | {gap_line('ea')} |
 * | MOLAR_VOLUME_CM3 | molar volume of the element (the "atomic volume" of cgcnn's encoding) | cm³/mol | json "Molar volume" | {gap_line('vol')} |
 */

/** One of the four blocks of the periodic table. */
export type Block = 's' | 'p' | 'd' | 'f';

/** Largest atomic number covered by these tables. */
export const ELEMENT_PROPERTIES_MAX_Z = {MAX_Z};

/** GROUP[Z]: IUPAC group 1–18 (pymatgen `Element.group`; the f block gets 3). */
// prettier-ignore
export const GROUP: readonly (number | null)[] = {fmt(cols['group'])};

/** PERIOD[Z]: period (row) 1–7 (pymatgen `Element.row`). */
// prettier-ignore
export const PERIOD: readonly (number | null)[] = {fmt(cols['period'])};

/** BLOCK[Z]: s, p, d or f (pymatgen `Element.block`; He is 's'). */
// prettier-ignore
export const BLOCK: readonly (Block | null)[] = {fmt(cols['block'])};

/** ELECTRONEGATIVITY[Z]: Pauling electronegativity (pymatgen "X"). */
// prettier-ignore
export const ELECTRONEGATIVITY: readonly (number | null)[] = {fmt(cols['x'], 3)};

/** COVALENT_RADIUS_PM[Z]: covalent radius in pm (Cordero et al. 2008, via pymatgen). */
// prettier-ignore
export const COVALENT_RADIUS_PM: readonly (number | null)[] = {fmt(cols['cov'])};

/** VALENCE_ELECTRONS[Z]: valence electrons (outer-shell s+p, + (n−1)d in the d block). */
// prettier-ignore
export const VALENCE_ELECTRONS: readonly (number | null)[] = {fmt(cols['val'])};

/** IONIZATION_ENERGY_EV[Z]: first ionization energy in eV. */
// prettier-ignore
export const IONIZATION_ENERGY_EV: readonly (number | null)[] = {fmt(cols['ie'], 4)};

/** ELECTRON_AFFINITY_EV[Z]: electron affinity in eV (negative: the anion is unbound; estimated). */
// prettier-ignore
export const ELECTRON_AFFINITY_EV: readonly (number | null)[] = {fmt(cols['ea'], 4)};

/** MOLAR_VOLUME_CM3[Z]: molar volume of the elemental solid (or liquid/gas) in cm³/mol. */
// prettier-ignore
export const MOLAR_VOLUME_CM3: readonly (number | null)[] = {fmt(cols['vol'], 3)};
"""
    if args.check:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != ts:
            print(f"{OUT} is out of date; run scripts/gen-element-properties.py", file=sys.stderr)
            return 1
        print(f"{OUT} is up to date")
        return 0
    OUT.write_text(ts, encoding="utf-8")
    print(f"wrote {OUT} ({len(ts.encode())} bytes) from pymatgen {version}")
    for k, v in gaps.items():
        print(f"  {k}: null for {', '.join(v) if v else 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
