"use client";

import { useRouter } from "next/navigation";
import { type FormEvent, type ReactNode, useState } from "react";

import { errorMessage } from "@/lib/api/client";
import type { Built } from "@/lib/formValues";

interface StartFormProps<Request, Created> {
  title: string;
  testIds: { form: string; error: string; start: string };
  startLabel: string;
  /** Extra classes for the start button. */
  startClassName?: string;
  /** The request for the form's values, or what is wrong with them (shown; nothing is sent). */
  build: () => Built<Request>;
  /** Sends the request; resolves to what the server created. */
  send: (request: Request) => Promise<Created>;
  /** The page of what was created, opened once the server accepted the request. */
  pageOf: (created: Created) => string;
  /** The fields, between the title and the start button. */
  children: ReactNode;
}

/** A settings form that starts something on the server and opens its page. A refusal, the
 * form's own or the server's, stays on the form, next to the start button. */
export function StartForm<Request, Created>({
  title,
  testIds,
  startLabel,
  startClassName,
  build,
  send,
  pageOf,
  children,
}: StartFormProps<Request, Created>) {
  const router = useRouter();
  const [submitting, setSubmitting] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const built = build();
    if (built.error !== undefined) {
      setFormError(built.error);
      return;
    }
    setSubmitting(true);
    setFormError(null);
    try {
      router.push(pageOf(await send(built.request)));
    } catch (error) {
      setFormError(errorMessage(error));
      setSubmitting(false);
    }
  }

  return (
    // noValidate: the server's 422 messages name each bad field; show those, not browser bubbles.
    <form className="config-form card" data-testid={testIds.form} onSubmit={submit} noValidate>
      <h1>{title}</h1>
      {children}
      {formError && (
        <p className="form-error" role="alert" data-testid={testIds.error}>
          {formError}
        </p>
      )}
      <button
        type="submit"
        className={["button button-primary", startClassName].filter(Boolean).join(" ")}
        data-testid={testIds.start}
        disabled={submitting}
      >
        {submitting ? "Starting…" : startLabel}
      </button>
    </form>
  );
}
