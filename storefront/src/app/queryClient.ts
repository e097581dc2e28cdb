/** TanStack Query defaults: retry the API being down, never a refusal (4xx). */
import { QueryClient } from "@tanstack/react-query";
import { ApiError } from "../api/errors";

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: (failures, error) => !(error instanceof ApiError && !error.isUnavailable) && failures < 2,
        refetchOnWindowFocus: false,
      },
      mutations: { retry: false },
    },
  });
}
