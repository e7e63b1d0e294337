/** The violations a scenario can plant, and the incident-review presets of the domain document. */

/** One plantable violation per rule; each yields exactly one finding of that code. */
export const PLANTS = {
  'P-LEADS': 'the supervision lead is appointed only after construction.started',
  'P-MATERIAL': 'segment 0 lays pipes from a batch accepted without the supervision engineer',
  'P-TRENCH': 'the designer attests segment 0’s trench-bottom inspection only after the bedding',
  'P-COVER': 'segment 0’s hidden works are accepted only after the first backfill layer',
  'P-EVIDENCE-TIME': 'a photo of segment 0’s hidden-works acceptance is taken after the acceptance',
  'P-TEST-BEFORE-BACKFILL': 'segment 0 is backfilled over the crown before its closed-water test',
  'P-TEST-CONDITIONS': 'the first water main is pressure-tested with an expired gauge calibration',
  'P-ASBUILT': 'segment 0’s final backfill layer precedes its as-built survey',
  'P-SERVICE': 'the first water main’s flushing fails and the project is handed over anyway',
  'P-COMPLETION': 'completion is accepted before the archive’s pre-acceptance',
  'P-DEADLINES': 'completion is filed 20 days after acceptance',
  'P-DESIGN-CHANGE': 'segment 1’s revision after start is never approved by the owner',
  'P-REHAB': 'segment 1’s rehabilitation cites no condition assessment (needs ≥ 21 years)',
  'P-CLASS-IV': 'segment 1’s class IV finding is answered after 45 days (needs ≥ 21 years)',
  'P-COVERS': 'a missing manhole cover is fenced off after 3 h (needs ≥ 6 years)',
  'P-CONTEMPORANEOUS': 'joint J03 of segment 0 is first witnessed 3 days after it was made',
  'P-SEPARATION': 'segment 0’s hidden works are accepted by the person who self-checked them',
} as const;

export type PlantCode = keyof typeof PLANTS;
export const PLANT_CODES = Object.keys(PLANTS) as PlantCode[];

export const PRESETS = {
  'road-collapse': {
    title: 'Road collapse over a sewer, 8 years after completion',
    story:
      'Segment 0 (sewage, HDPE): TJ and SL grades worsen over three CCTV assessments, patrols report settlement, the class IV finding goes unanswered for 40 days and the road collapses; an emergency repair follows.',
    expected: ['P-CLASS-IV'],
  },
  'joint-leak': {
    title: 'Leak at joint J07, whose hidden-works acceptance has no photo',
    story:
      'The first water main: J07’s gasket was checked and the pressure test covered it, but the hidden-works acceptance carries no photo, so the first backfill covered unaccepted works; a leak at J07 three years later is sealed.',
    expected: ['P-COVER'],
  },
  'falsified-pressure-test': {
    title: 'Burst main with a suspected falsified pressure test',
    story:
      'The second water main’s pressure-test readings are those of the first, its gauge calibration had expired and no supervision engineer witnessed it; the main bursts four years later.',
    expected: ['P-TEST-CONDITIONS'],
  },
  'material-swap': {
    title: 'Unauthorised material swap, concrete replaced by HDPE',
    story:
      'Segment 1 is designed in reinforced concrete but laid in HDPE from a batch the supervision engineer accepted, with no design revision; deflection is high and CCTV later grades BX 3, then 4, before a CIPP rehabilitation.',
    expected: ['P-MATERIAL'],
  },
  'live-decommissioned-strike': {
    title: 'Excavation strikes a "decommissioned" pipe that is live',
    story:
      'The last water main is recorded decommissioned, but the archive is never updated; its as-built survey was poor (a finding only a reader cleared for its sealed accuracies sees) and it was renumbered in the census. Five years later an excavation strikes it; an emergency repair follows.',
    expected: ['P-DEADLINES', 'P-ASBUILT'],
  },
} as const;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];
