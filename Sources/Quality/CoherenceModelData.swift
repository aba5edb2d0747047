// The shipped coherence model: a copy of models/coherence.json (`make coherence-model`
// rewrites it after `workbench train coherence`; a test checks the two are the same).
enum CoherenceModelData {
    static let json = #"""
{
  "accuracy" : {
    "held-out:character-confusion" : 0.913,
    "held-out:connectives" : 0.62,
    "held-out:negation" : 0.46,
    "held-out:paragraph-order" : 0.98,
    "held-out:repetition" : 1,
    "held-out:sentence-order" : 0.86,
    "held-out:substitution" : 1,
    "train:character-confusion" : 0.952,
    "train:connectives" : 0.536,
    "train:negation" : 0.512,
    "train:paragraph-order" : 0.952,
    "train:repetition" : 1,
    "train:sentence-order" : 1,
    "train:substitution" : 1
  },
  "features" : [
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
  "heldOut" : [
    "collins-woman-in-white",
    "shelley-frankenstein"
  ],
  "mean" : [
    0.027348256643654853,
    0.02137269640475423,
    0.03222686302426195,
    0.02086298610051309,
    -0.05896343701741449,
    -0.02173735253195975,
    0.048963758379334754,
    0.12069358291396942,
    0.13519262014267677,
    0.10632376549524906,
    0.48397753565078094,
    0.17750263692044813,
    0.015133287721425515
  ],
  "offset" : 1.2568326586944782,
  "scale" : [
    0.03215487939904495,
    0.046373615443436565,
    0.030285976932656146,
    0.04410354300036449,
    0.09874969039378591,
    0.06221883285693396,
    0.048242729349239885,
    0.07788624719497347,
    0.07627555225916893,
    0.06121501086234426,
    0.21454310333459325,
    0.07906503762220234,
    0.04080066340505905
  ],
  "slope" : 0.25,
  "trainedOn" : [
    "austen-emma",
    "austen-pride-and-prejudice",
    "bronte-jane-eyre",
    "dickens-great-expectations",
    "dickens-tale-of-two-cities"
  ],
  "version" : "coh-1",
  "weights" : [
    0.09228049302567992,
    -0.20309644917059066,
    1.6653154378657617,
    -1.87274782495773,
    -0.3299824769319519,
    -0.33014423044227403,
    -0.6727754798917034,
    -1.113939013470139,
    -1.820655350153855,
    -0.572026214259982,
    -0.05350036294483839,
    -0.3659833578672318,
    -1.182694079491511
  ]
}
"""#
}
