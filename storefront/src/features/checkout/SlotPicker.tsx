/** Pickup day and time as two radio groups: arrow keys move, full or past slots are disabled. */
import { useId } from "react";
import type { PickupDay, Slot } from "../../api/types";
import { formatDay, formatTime } from "../../lib/dates";

export type SlotChoice = { date: string | null; start: string | null };

const REASONS: Record<string, string> = {
  full: "Full",
  too_soon: "Too soon",
  too_far: "Too far ahead",
  product_unavailable: "Not for everything in your cart",
};

function reasonText(slot: Slot): string {
  return slot.reason ? (REASONS[slot.reason] ?? slot.reason) : slot.remaining !== null ? `${slot.remaining} left` : "";
}

export function dayIsChoosable(day: PickupDay): boolean {
  return day.is_open && day.slots.some((slot) => slot.is_available);
}

type Props = {
  days: readonly PickupDay[];
  timeZone: string;
  value: SlotChoice;
  onChange: (choice: SlotChoice) => void;
};

export function SlotPicker({ days, timeZone, value, onChange }: Props) {
  const name = useId();
  const selectedDay = days.find((day) => day.date === value.date);

  return (
    <div className="slot-picker">
      <fieldset className="choice-group">
        <legend>Pickup day</legend>
        <div className="choices">
          {days.map((day) => {
            const choosable = dayIsChoosable(day);
            const noteId = `${name}-day-${day.date}`;
            return (
              <div key={day.date} className="choice">
                <label>
                  <input
                    type="radio"
                    name={`${name}-day`}
                    value={day.date}
                    checked={value.date === day.date}
                    disabled={!choosable}
                    aria-describedby={choosable ? undefined : noteId}
                    onChange={() => onChange({ date: day.date, start: null })}
                  />
                  <span>{formatDay(day.date)}</span>
                </label>
                {!choosable && (
                  <span id={noteId} className="choice-note">
                    {day.is_open ? "Full" : day.reason === "closed" || !day.reason ? "Closed" : day.reason}
                  </span>
                )}
              </div>
            );
          })}
        </div>
      </fieldset>

      <fieldset className="choice-group" disabled={!selectedDay}>
        <legend>Pickup time</legend>
        {!selectedDay && <p className="muted">Choose a day first.</p>}
        {selectedDay && (
          <div className="choices">
            {selectedDay.slots.map((slot) => {
              const noteId = `${name}-slot-${slot.start}`;
              const note = reasonText(slot);
              return (
                <div key={slot.start} className="choice">
                  <label>
                    <input
                      type="radio"
                      name={`${name}-time`}
                      value={slot.start}
                      checked={value.start === slot.start}
                      disabled={!slot.is_available}
                      aria-describedby={note ? noteId : undefined}
                      onChange={() => onChange({ date: selectedDay.date, start: slot.start })}
                    />
                    <span>{formatTime(slot.start, timeZone)}</span>
                  </label>
                  {note && (
                    <span id={noteId} className="choice-note">
                      {note}
                    </span>
                  )}
                </div>
              );
            })}
          </div>
        )}
      </fieldset>
    </div>
  );
}
