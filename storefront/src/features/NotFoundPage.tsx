/** Any path the app does not know. */
import { NotFoundView } from "../components/States";

export default function NotFoundPage() {
  return <NotFoundView />;
}
