import { describe, expect, it } from "vitest";
import { fakeJwt } from "../test/tokens";
import { tokenExpiry } from "./jwt";

describe("tokenExpiry", () => {
  it("reads exp as an ISO instant", () => {
    expect(tokenExpiry(fakeJwt({ sub: "user_1", exp: 1_800_000_000 }))).toBe("2027-01-15T08:00:00.000Z");
  });

  it("reads base64url payloads (- and _, no padding)", () => {
    // "ÿÿ" and "~~" make + and / in plain base64.
    const token = fakeJwt({ name: "ÿÿ~~?>", exp: 1_800_000_000 });
    expect(token.split(".")[1]).toMatch(/[-_]/);
    expect(tokenExpiry(token)).toBe("2027-01-15T08:00:00.000Z");
  });

  it("gives null without a readable exp", () => {
    expect(tokenExpiry(fakeJwt({ sub: "user_1" }))).toBeNull();
    expect(tokenExpiry("not-a-token")).toBeNull();
    expect(tokenExpiry("a.%%%.c")).toBeNull();
  });
});
