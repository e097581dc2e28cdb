import { describe, expect, it } from "vitest";
import { createAttemptKeys } from "./idempotency";

describe("checkout attempt keys", () => {
  it("keeps one key for a retried body and takes a new one when the body changes", () => {
    const keys = createAttemptKeys();
    const first = keys.keyFor({ pickup_at: "2026-12-12T08:00:00+01:00" });
    expect(keys.keyFor({ pickup_at: "2026-12-12T08:00:00+01:00" })).toBe(first);
    const second = keys.keyFor({ pickup_at: "2026-12-12T08:30:00+01:00" });
    expect(second).not.toBe(first);
    expect(second).toMatch(/^[\x21-\x7e]{1,255}$/);
    keys.reset();
    expect(keys.keyFor({ pickup_at: "2026-12-12T08:30:00+01:00" })).not.toBe(second);
  });
});
