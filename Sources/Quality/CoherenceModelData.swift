// The shipped coherence model: a copy of models/coherence.json (`make coherence-model`
// rewrites it after `workbench train coherence`; a test checks the two are the same).
enum CoherenceModelData {
    static let json = #"""
{
  "accuracy": {},
  "features": [
    "sentence_cohesion",
    "paragraph_inner_cohesion",
    "paragraph_cohesion",
    "quotation_order",
    "opening_pronouns",
    "opening_connectives",
    "unresolved_pronouns",
    "gender_confusion",
    "title_confusion",
    "self_interaction",
    "mention_continuity",
    "stray_names",
    "repeated_sentences"
  ],
  "heldOut": [
    "collins-woman-in-white",
    "shelley-frankenstein"
  ],
  "mean": [
    0.03282010053795101,
    0.029001435815916323,
    0.026202425025927102,
    0.04486302689651033,
    -0.04661019022535231,
    -0.026959216500953787,
    0.05223538166812839,
    0.12044290954978008,
    0.13612135677116688,
    0.11182673770724275,
    0.5041039631721654,
    0.1978320845316477,
    0.029504400866857714
  ],
  "offset": 0.43200396726893486,
  "scale": [
    0.04120611013225818,
    0.05838492304605118,
    0.02940667892899302,
    0.06039471697878434,
    0.08953273396285166,
    0.059216911792124106,
    0.04994648065193642,
    0.08014775426033123,
    0.07524390813601148,
    0.067349423423502,
    0.20648469114207516,
    0.09737959535270176,
    0.05053926638615106
  ],
  "slope": 0.35,
  "trainedOn": [
    "austen-emma",
    "austen-pride-and-prejudice",
    "bronte-jane-eyre",
    "dickens-great-expectations",
    "dickens-tale-of-two-cities"
  ],
  "version": "coh-1",
  "weights": [
    -0.4004362637783951,
    0.2164055951904098,
    2.644547831261234,
    -2.7024387815082944,
    0.09214212973140039,
    -0.24057160052389887,
    -0.6702281933896563,
    -0.623549948283584,
    -2.407773217185577,
    -0.9278812035322199,
    0.26615969241969734,
    -0.39937894188014156,
    -1.3866302593297577
  ]
}
"""#
}
