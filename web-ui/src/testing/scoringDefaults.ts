import type { DefaultScoringWeights } from "@/lib/api/types";

/** The server's defaults (seed 002), as GET /default-scoring-weights sends them. */
export const SCORING_DEFAULTS: DefaultScoringWeights = {
  accuracy_weight: 0.7,
  health_weight: 0.3,
  health_component_weights: {
    neuron_utilization: 0.25,
    parameter_efficiency: 0.15,
    training_stability: 0.2,
    gradient_health: 0.15,
    convergence_quality: 0.15,
    accuracy_consistency: 0.1,
  },
  health_components: [
    "neuron_utilization",
    "parameter_efficiency",
    "training_stability",
    "gradient_health",
    "convergence_quality",
    "accuracy_consistency",
  ],
  modes: {},
};
