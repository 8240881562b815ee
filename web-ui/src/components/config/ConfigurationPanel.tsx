"use client";

import { ConfigForm } from "./ConfigForm";
import { ServerSettingsPanel } from "./ServerSettingsPanel";

/** The optimization form, once the server's settings are loaded. */
export function ConfigurationPanel() {
  return <ServerSettingsPanel form={ConfigForm} />;
}
