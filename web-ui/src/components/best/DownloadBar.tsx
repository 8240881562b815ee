import type { BestModel } from "@/lib/api/types";

import styles from "./best.module.css";
import { DownloadButton } from "./DownloadButton";

/** The best model's files: the trained model, the whole optimized_model/ bundle, its trial's
 * plots and its architecture. */
export function DownloadBar({ best, plotCount }: { best: BestModel; plotCount: number }) {
  return (
    <div className={styles.downloads}>
      <DownloadButton
        label="Download model (.keras)"
        path={best.model_ready ? best.model_url : null}
        fallbackName={`${best.run_name}.keras`}
        notReadyHint="The model is assembled after the last trial."
        testId="download-model"
      />
      <DownloadButton
        label="Download bundle (.zip)"
        path={best.bundle_url ?? null}
        fallbackName={`${best.run_name}_optimized_model.zip`}
        notReadyHint="The bundle is assembled after the last trial."
        testId="download-bundle"
      />
      <DownloadButton
        label="Download plots (.zip)"
        path={plotCount > 0 ? best.plots_zip_url : null}
        fallbackName={`${best.run_name}_plots.zip`}
        notReadyHint="No plots drawn yet."
        testId="download-plots"
      />
      <DownloadButton
        label="Download architecture (.json)"
        path={best.architecture_url}
        fallbackName={`${best.run_name}_architecture.json`}
        notReadyHint="This trial recorded no architecture."
        testId="download-architecture"
      />
    </div>
  );
}
