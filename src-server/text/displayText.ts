import { Type } from '@sinclair/typebox';
import { DISPLAY_TEXT_PATTERN } from './revealHidden.ts';

// The schema lives apart from revealHidden so the CLI, which only reveals, never loads TypeBox.
/** A name shown to a person (device names, key names, a CLI's host): refused, never stripped, if it hides anything. */
export const displayText = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: DISPLAY_TEXT_PATTERN });
