/** Short names for the generated API schema types: the only API types the app uses. */
import type { components } from "./schema";

type Schemas = components["schemas"];

export type BestModel = Schemas["BestModel"];
export type DefaultScoringWeights = Schemas["DefaultScoringWeights"];
export type DiagnosticIssue = Schemas["DiagnosticIssue"];
export type DiagnosticsSummary = Schemas["DiagnosticsSummary"];
export type Health = Schemas["Health"];
export type JobStatus = Schemas["JobStatus"];
export type JobStatusName = JobStatus["status"];
export type LayerHealth = Schemas["LayerHealth"];
export type OptimizeRequest = Schemas["OptimizeRequest"];
export type PlotFile = Schemas["PlotFile"];
export type TensorBoardInfo = Schemas["TensorBoardInfo"];
export type TrialSummary = Schemas["TrialSummary"];
export type ProgressEvent = Schemas["ProgressEvent"];
