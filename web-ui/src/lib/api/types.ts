/** Short names for the generated API schema types: the only API types the app uses. */
import type { components } from "./schema";

type Schemas = components["schemas"];

export type ArchitectureView = Schemas["ArchitectureView"];
export type BestModel = Schemas["BestModel"];
export type ComputeSummary = Schemas["ComputeSummary"];
export type CytoscapeEdgeData = Schemas["CytoscapeEdgeData"];
export type CytoscapeNodeData = Schemas["CytoscapeNodeData"];
export type DefaultScoringWeights = Schemas["DefaultScoringWeights"];
export type DiagnosticIssue = Schemas["DiagnosticIssue"];
export type DiagnosticsSummary = Schemas["BestModelDiagnostics"];
export type HealthComponent = Schemas["HealthComponent"];
export type HealthValues = Schemas["HealthValues"];
export type LegendEntry = Schemas["LegendEntry"];
export type Mode = Schemas["Mode"];
export type TrialMetrics = Schemas["TrialMetrics"];
export type Health = Schemas["Health"];
export type JobStatus = Schemas["JobStatus"];
export type JobStatusName = JobStatus["status"];
export type LayerHealth = Schemas["LayerHealth"];
export type OptimizeRequest = Schemas["OptimizeRequest"];
export type ParetoPoint = Schemas["ParetoPoint"];
export type ParetoView = Schemas["ParetoView"];
export type PlotFile = Schemas["PlotFile"];
export type PruneInfo = Schemas["PruneInfo"];
export type TensorBoardInfo = Schemas["TensorBoardInfo"];
export type TrialSummary = Schemas["TrialSummary"];
export type TrialList = Schemas["TrialList"];
export type ProgressEvent = Schemas["ProgressEvent"];

// The comparison study (GET/POST /comparison-study...).
export type StudyStartRequest = Schemas["StudyStartRequest"];
export type StudyAnalyzeRequest = Schemas["StudyAnalyzeRequest"];
export type StudyStarted = Schemas["StudyStarted"];
export type StudyStatus = Schemas["StudyStatus"];
export type StudyModeProgress = Schemas["ModeProgress"];
export type StudyAblationProgress = Schemas["AblationProgress"];
export type StudyResults = Schemas["StudyResults"];
export type StudyExecutiveSummary = Schemas["ExecutiveSummary"];
export type StudyExecutiveRow = Schemas["ExecutiveRow"];
export type StudyModule = Schemas["ModuleOutcome"];
export type StudyTable = Schemas["ResultTable"];
export type StudyFigure = Schemas["ResultFigure"];
export type StudySelectedModel = Schemas["SelectedModel"];
