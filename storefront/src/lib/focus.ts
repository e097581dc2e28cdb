/** Moves focus to the page's h1 after a navigation, so screen readers announce the new page. */

let pending = false;

export function requestHeadingFocus(): void {
  pending = true;
}

/** Called by PageHeading when it renders: focuses itself once after each navigation. */
export function takeHeadingFocus(element: HTMLElement | null): void {
  if (pending && element) {
    pending = false;
    element.focus({ preventScroll: false });
  }
}
