/** The address parameter that makes a page the side-by-side run's second tab (kept apart so main.tsx loads nothing else of the lab). */
export const OTHER_TAB_PARAM = 'side-by-side-tab';
