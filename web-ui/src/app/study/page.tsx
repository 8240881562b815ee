"use client";

import { useSearchParams } from "next/navigation";
import { Suspense } from "react";

import { LoadingState } from "@/components/common/LoadingState";
import { ServerSettingsPanel } from "@/components/config/ServerSettingsPanel";
import { StudyConfigForm } from "@/components/study/StudyConfigForm";
import { StudyList } from "@/components/study/StudyList";
import { StudyView } from "@/components/study/StudyView";

/** `/study`: configure a comparison study and list earlier ones; `/study?id=ID`: one study. */
export default function StudyPage() {
  return (
    // useSearchParams needs a Suspense boundary so the page can still be prerendered.
    <Suspense fallback={<LoadingState label="Loading" />}>
      <StudyPageContent />
    </Suspense>
  );
}

function StudyPageContent() {
  const studyId = useSearchParams().get("id");
  if (studyId) {
    // Keyed by study: another study starts with a clean view, not the last one's numbers.
    return <StudyView key={studyId} studyId={studyId} />;
  }
  return (
    <div className="home-layout">
      <ServerSettingsPanel form={StudyConfigForm} />
      <StudyList />
    </div>
  );
}
