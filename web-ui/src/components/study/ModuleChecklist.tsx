"use client";

import { ANALYSIS_MODULES, inModuleOrder } from "@/lib/study";

import styles from "./study.module.css";

interface ModuleChecklistProps {
  selected: readonly string[];
  onChange: (selected: string[]) => void;
  disabled?: boolean;
  legend: string;
  /** Prefix of each checkbox's test id, so two lists on one page stay apart. */
  testIdPrefix: string;
}

/** The eight analysis modules as checkboxes, with "all" and "none" shortcuts. */
export function ModuleChecklist({
  selected,
  onChange,
  disabled,
  legend,
  testIdPrefix,
}: ModuleChecklistProps) {
  const picked = new Set(selected);
  const toggle = (name: string, on: boolean) => {
    const next = new Set(picked);
    if (on) next.add(name);
    else next.delete(name);
    onChange(inModuleOrder(next));
  };
  return (
    <fieldset className={styles.modules} disabled={disabled}>
      <legend>{legend}</legend>
      <div className={styles.moduleShortcuts}>
        <button
          type="button"
          className="button button-secondary"
          data-testid={`${testIdPrefix}s-all`}
          onClick={() => onChange(ANALYSIS_MODULES.map((m) => m.name))}
        >
          Select all
        </button>
        <button
          type="button"
          className="button button-secondary"
          data-testid={`${testIdPrefix}s-none`}
          onClick={() => onChange([])}
        >
          Select none
        </button>
      </div>
      <ul className={styles.moduleList}>
        {ANALYSIS_MODULES.map((module) => (
          <li key={module.name}>
            <label className={styles.moduleOption}>
              <input
                type="checkbox"
                name={`${testIdPrefix}-${module.name}`}
                value={module.name}
                checked={picked.has(module.name)}
                data-testid={`${testIdPrefix}-${module.name}`}
                onChange={(event) => toggle(module.name, event.target.checked)}
              />
              <span>
                <strong>{module.title}</strong>
                <small>{module.description}</small>
              </span>
            </label>
          </li>
        ))}
      </ul>
    </fieldset>
  );
}
