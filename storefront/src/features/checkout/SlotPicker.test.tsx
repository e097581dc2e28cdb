import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";
import type { PickupDay } from "../../api/types";
import { SlotPicker, type SlotChoice } from "./SlotPicker";

const slot = (start: string, end: string, extra: Partial<PickupDay["slots"][number]> = {}) => ({
  start,
  end,
  remaining: 4,
  is_available: true,
  reason: null,
  unavailable_products: [],
  ...extra,
});

const days: PickupDay[] = [
  { date: "2026-12-07", is_open: false, reason: "closed", slots: [] },
  {
    date: "2026-12-08",
    is_open: true,
    reason: null,
    slots: [
      slot("2026-12-08T07:00:00+01:00", "2026-12-08T07:30:00+01:00", { remaining: 0, is_available: false, reason: "full" }),
      slot("2026-12-08T07:30:00+01:00", "2026-12-08T08:00:00+01:00"),
      slot("2026-12-08T08:00:00+01:00", "2026-12-08T08:30:00+01:00"),
    ],
  },
  {
    date: "2026-12-09",
    is_open: true,
    reason: null,
    slots: [slot("2026-12-09T07:00:00+01:00", "2026-12-09T07:30:00+01:00")],
  },
];

function Harness({ onChange }: { onChange?: (c: SlotChoice) => void }) {
  const [value, setValue] = useState<SlotChoice>({ date: null, start: null });
  return (
    <SlotPicker
      days={days}
      timeZone="Europe/Berlin"
      value={value}
      onChange={(c) => {
        setValue(c);
        onChange?.(c);
      }}
    />
  );
}

describe("SlotPicker", () => {
  it("lists the days by name and disables closed ones", () => {
    render(<Harness />);
    const dayGroup = screen.getByRole("group", { name: "Pickup day" });
    const radios = within(dayGroup).getAllByRole("radio");
    expect(radios.map((r) => r.getAttribute("value"))).toEqual(["2026-12-07", "2026-12-08", "2026-12-09"]);
    expect(within(dayGroup).getByRole("radio", { name: /Mon 7 Dec/ })).toBeDisabled();
    expect(within(dayGroup).getByRole("radio", { name: /Tue 8 Dec/ })).toBeEnabled();
  });

  it("shows the chosen day's times in the shop's zone, full slots disabled", async () => {
    const user = userEvent.setup();
    const onChange = vi.fn();
    render(<Harness onChange={onChange} />);
    await user.click(screen.getByRole("radio", { name: /Tue 8 Dec/ }));
    const timeGroup = screen.getByRole("group", { name: "Pickup time" });
    expect(within(timeGroup).getByRole("radio", { name: "07:00" })).toBeDisabled();
    expect(within(timeGroup).getByRole("radio", { name: "07:00" })).toHaveAccessibleDescription("Full");
    await user.click(within(timeGroup).getByRole("radio", { name: "08:00" }));
    expect(onChange).toHaveBeenLastCalledWith({ date: "2026-12-08", start: "2026-12-08T08:00:00+01:00" });
    expect(within(timeGroup).getByRole("radio", { name: "08:00" })).toBeChecked();
  });

  it("moves between days and times with the arrow keys, skipping disabled ones", async () => {
    const user = userEvent.setup();
    render(<Harness />);
    await user.click(screen.getByRole("radio", { name: /Tue 8 Dec/ }));
    await user.keyboard("{ArrowRight}");
    expect(screen.getByRole("radio", { name: /Wed 9 Dec/ })).toBeChecked();
    await user.keyboard("{ArrowLeft}");
    expect(screen.getByRole("radio", { name: /Tue 8 Dec/ })).toBeChecked();

    const timeGroup = screen.getByRole("group", { name: "Pickup time" });
    await user.click(within(timeGroup).getByRole("radio", { name: "07:30" }));
    await user.keyboard("{ArrowDown}");
    expect(within(timeGroup).getByRole("radio", { name: "08:00" })).toBeChecked();
    await user.keyboard("{ArrowDown}"); // wraps past the full 07:00
    expect(within(timeGroup).getByRole("radio", { name: "07:30" })).toBeChecked();
    expect(within(timeGroup).getByRole("radio", { name: "07:00" })).not.toBeChecked();
  });

  it("asks for a day before listing times", () => {
    render(<Harness />);
    expect(screen.getByText("Choose a day first.")).toBeInTheDocument();
    expect(screen.queryAllByRole("radio", { name: /\d\d:\d\d/ })).toHaveLength(0);
  });
});
