import { ConfigurationPanel } from "@/components/config/ConfigurationPanel";
import { RecentJobs } from "@/components/run/RecentJobs";

export default function HomePage() {
  return (
    <div className="home-layout">
      <ConfigurationPanel />
      <RecentJobs />
    </div>
  );
}
