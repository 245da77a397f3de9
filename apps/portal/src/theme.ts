import { createTheme, darken, Modal, Notification, type CSSVariablesResolver } from '@mantine/core';

/** System fonts only: the portal fetches nothing from outside the machine. */
const systemFonts = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif';

export const theme = createTheme({
  fontFamily: systemFonts,
  headings: { fontFamily: systemFonts },
  fontFamilyMonospace: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
  primaryColor: 'indigo',
  // shade 8: white on it and it on white both pass WCAG AA contrast (shade 6 does not)
  primaryShade: 8,
  // WCAG AA contrast for text on the primary colour (axe checks it)
  autoContrast: true,
  components: {
    // the close (x) button of every dialog needs a name for screen readers
    Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } }),
    Notification: Notification.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close notification' } } }),
  },
});

/**
 * Two colours one step darker than Mantine's defaults, which fail WCAG AA contrast on white (axe's
 * color-contrast, serious): "dimmed" text (gray.6, 3.3:1) and the text of light badges and buttons
 * (shade 6 on its own 10% tint, e.g. teal 2.9:1). The light variant's text becomes shade 9 darkened
 * by a quarter, over 4.5:1 on its tint for every palette colour, yellow included.
 */
export const cssVariablesResolver: CSSVariablesResolver = (resolvedTheme) => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': 'var(--mantine-color-gray-7)',
    ...Object.fromEntries(Object.entries(resolvedTheme.colors).map(([name, shades]) => [`--mantine-color-${name}-light-color`, darken(shades[9], 0.25)])),
  },
  dark: {},
});
